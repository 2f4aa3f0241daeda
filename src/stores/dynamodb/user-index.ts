/**
 * The per-user index: one item per user (`pk` = `u#<userId>`) whose map `m` holds each member
 * session's store key → when it was added (ms; minus the time an `evictOldest` admission marked it
 * for ending, see `admission.ts`).
 *
 * One item, so `size(m)` is an exact, strongly consistent count that a conditional write can test:
 * the user limit is decided on it (`admission.ts`). A GSI on userId
 * could not do that: GSIs are eventually consistent and cannot be part of a condition.
 *
 * A session and its user's item are two items, so index maintenance is a separate one-item write,
 * ordered so that a crash leaves at worst a *dangling* member, never a reachable session missing
 * from its owner's index (that would escape `deleteByUser`):
 * - a new session (create, rotation) is added right *after* its record is written: until then its
 *   key has not been handed to anyone. So a member whose record is missing is dead for good.
 * - a live session moving to a user is added *before* the move, and a session leaves an index only
 *   *after* it was deleted or moved away.
 * A rotated-away key stays a member of its old owner's index while it forwards, so `deleteByUser`
 * can end what it moved to. Every read checks each member against its record (owner, expiry,
 * forwarder); dangling members are pruned by `listByUser`, `deleteByUser`, the admission, an add
 * that finds more than {@link PRUNE_AT} members, and `purgeExpired`. A member whose record belongs
 * to someone else is pruned only after {@link PRUNE_GRACE_MS}: it may be a move still in flight.
 */
import { ConflictError } from '../../core/errors.ts';
import { type DynamoDriver, Expression, type Item } from './driver.ts';
import { A, isForwarder, isRecord, numberOf, ownerOf, sessionPk, stringOf, userPk } from './items.ts';

/** How old a member whose record belongs to another user must be before it may be pruned. */
export const PRUNE_GRACE_MS = 60_000;

/** An add that leaves more members than this also prunes the dangling ones. */
export const PRUNE_AT = 64;

/** Most members one UpdateItem removes (keeps the expression far below DynamoDB's 4 KB). */
const REMOVE_CHUNK = 100;

/** One member of a user's index. */
export interface Member {
  readonly key: string;
  /** When it was added (ms); negative (minus when) once marked for ending by an eviction. */
  readonly addedAt: number;
}

/** What a member's key holds, as far as the index cares. */
export type MemberState =
  | { readonly kind: 'live'; readonly owner: string | null; readonly lastSeenAt: number }
  | { readonly kind: 'forward'; readonly owner: string | null }
  | { readonly kind: 'dead' };

/** Classifies a session item (or its absence) at `now`. */
export function stateOf(item: Item | undefined, now: number): MemberState {
  if (isForwarder(item)) {
    const until = numberOf(item, A.forwardUntil) ?? 0;
    return until > now ? { kind: 'forward', owner: ownerOf(item) ?? null } : { kind: 'dead' };
  }
  if (!isRecord(item) || !((numberOf(item, A.expires) ?? 0) > now)) return { kind: 'dead' };
  return {
    kind: 'live',
    owner: stringOf(item, A.user) ?? null,
    lastSeenAt: numberOf(item, A.lastSeen) ?? 0,
  };
}

/** The members of a user item's map. */
export function membersOf(item: Item | undefined): Member[] {
  const map = item?.[A.members]?.M ?? {};
  return Object.entries(map).map(([key, value]) => ({ key, addedAt: Number(value.N ?? 0) }));
}

/** Whether pruning may drop `member` of `userId`'s index, given what its key holds. */
export function prunable(member: Member, state: MemberState, userId: string, now: number): boolean {
  if (state.kind === 'dead') return true;
  return state.owner !== userId && member.addedAt < now - PRUNE_GRACE_MS;
}

/** The user index's operations on `driver`'s table (see the module comment). */
export function userIndex(driver: DynamoDriver) {
  /** Reads what each key holds (strongly consistent, 100 a request). */
  const states = async (keys: readonly string[], now = Date.now()): Promise<Map<string, MemberState>> => {
    const items = await driver.batchGet(keys.map(sessionPk));
    return new Map(keys.map((key) => [key, stateOf(items.get(sessionPk(key)), now)]));
  };

  const index = {
    states,
    /** The user's index item, or `undefined` when the user has none. */
    async item(userId: string): Promise<Item | undefined> {
      return driver.get(userPk(userId));
    },
    async members(userId: string): Promise<Member[]> {
      return membersOf(await driver.get(userPk(userId)));
    },
    /** Adds `key` to the user's index (no limit); prunes when the index has grown past {@link PRUNE_AT}. */
    async add(userId: string, key: string): Promise<void> {
      const pk = userPk(userId);
      for (let attempt = 0; attempt < 10; attempt++) {
        const e = new Expression();
        const m = e.name(A.members);
        const added = await driver.update(pk, {
          expression: e,
          update: `SET ${m}.${e.name(key)} = ${e.number(Date.now())}`,
          condition: `attribute_exists(${m})`,
          returnValues: 'ALL_NEW',
        });
        if (added !== false) {
          const members = membersOf(added);
          if (members.length > PRUNE_AT) await index.prune(userId, members);
          return;
        }
        // No item yet: create it. Losing that race to a parallel add means the next update works.
        const created = await driver.put(
          { pk: { S: pk }, [A.members]: { M: { [key]: { N: String(Date.now()) } } } },
          undefined,
          'attribute_not_exists(pk)',
        );
        if (created) return;
      }
      throw new ConflictError('dynamoDbStore: adding a session to its user index kept racing; try again');
    },
    /** Removes `keys` from the user's index; deletes the item once its map is empty. */
    async remove(userId: string, keys: readonly string[]): Promise<void> {
      const pk = userPk(userId);
      for (let i = 0; i < keys.length; i += REMOVE_CHUNK) {
        const e = new Expression();
        const m = e.name(A.members);
        const paths = keys.slice(i, i + REMOVE_CHUNK).map((key) => `${m}.${e.name(key)}`);
        const after = await driver.update(pk, {
          expression: e,
          update: `REMOVE ${paths.join(', ')}`,
          condition: `attribute_exists(${m})`,
          returnValues: 'ALL_NEW',
        });
        if (after === false) return; // no index item: nothing to remove
        if (membersOf(after).length === 0) {
          const d = new Expression();
          const dm = d.name(A.members);
          // Conditional: a parallel add may have refilled it.
          await driver.delete(pk, d, `attribute_exists(${dm}) AND size(${dm}) = ${d.number(0)}`);
        }
      }
    },
    /**
     * Drops the dangling members among `members` (see {@link prunable}), reading their records
     * unless `known` already says what they hold. Returns what each member's key holds.
     */
    async prune(
      userId: string,
      members: readonly Member[],
      known?: ReadonlyMap<string, MemberState>,
    ): Promise<Map<string, MemberState>> {
      const now = Date.now();
      const seen = known ? new Map(known) : new Map<string, MemberState>();
      const unknown = members.filter((member) => !seen.has(member.key)).map((member) => member.key);
      for (const [key, state] of await states(unknown, now)) seen.set(key, state);
      const dangling = members
        .filter((member) => prunable(member, seen.get(member.key) ?? { kind: 'dead' }, userId, now))
        .map((member) => member.key);
      if (dangling.length > 0) await index.remove(userId, dangling);
      return seen;
    },
  };
  return index;
}

/** What {@link userIndex} returns. */
export type UserIndex = ReturnType<typeof userIndex>;
