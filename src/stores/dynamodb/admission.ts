/**
 * The user limit on DynamoDB, decided on the user's index item (one item, so `size(m)` is an exact
 * count that a conditional write can test). No transaction, no GSI.
 *
 * `reject` is one conditional UpdateItem: add the key only if the user's live sessions leave room.
 * The condition can count members but cannot read the sessions, so the caller supplies what only
 * the sessions know, read just before: which members are not live (forwarders, dead records, the
 * key a rotation replaces). The write checks that each of those is still there with the value it
 * read (`m.#k = :v`), so a view that went stale fails the condition instead of miscounting, and
 * the caller reads again. A member the caller did not classify as not live counts as live, so a
 * stale view can only make the limit stricter, never looser. The first try sends no view: under
 * the limit that is the whole cost (one round trip). Parallel logins of one user are serialized
 * by that one item, as DynamoDB serializes writes to an item: of 50 racing for 5 places, 5 win.
 *
 * `evictOldest` adds the key, then *trims*: it reads the user's sessions and ends every live one
 * beyond the `max` most recently seen (as `delete` does), before the new key is handed out. Every
 * admission trims after its own add, so the last one to read sees every key handed out and leaves
 * at most `max` of them live: no client ever holds more than `max` live tickets of one user. The
 * ranking is the same for everyone, so racing trims agree on whom to keep instead of each sparing
 * itself. (A conditional write per eviction would also be atomic, but every racing login would
 * pick the same victim and all but one would retry, each round costing all of them a read:
 * quadratic in the number of parallel logins.)
 */
import type { UserLimit } from '../../core/store.ts';
import { RetryBudget } from '../shared/contention.ts';
import { inBatches } from '../shared/in-batches.ts';
import type { DynamoContext } from './context.ts';
import { Expression } from './driver.ts';
import { endSession } from './ending.ts';
import { A, userPk } from './items.ts';
import { type Member, type MemberState, membersOf } from './user-index.ts';

/** Most dead members one admission also removes (bounds the condition's size). */
const PRUNE_PER_ADMISSION = 40;

/** What one view of the user's members says for `reject`. */
interface View {
  /** Members that do not count (each checked unchanged by the write). */
  readonly uncounted: Member[];
  /** Of those, dead ones the write also removes. */
  readonly dead: Member[];
  /** Whether the limit refuses the key. */
  readonly full: boolean;
}

function viewOf(
  members: readonly Member[],
  states: ReadonlyMap<string, MemberState>,
  key: string,
  max: number,
  replacing: string | undefined,
): View {
  const uncounted: Member[] = [];
  const dead: Member[] = [];
  let counted = 0;
  for (const member of members) {
    const state = states.get(member.key) ?? { kind: 'dead' };
    if (member.key === key || member.key === replacing || state.kind === 'forward') uncounted.push(member);
    else if (state.kind === 'dead' && dead.length < PRUNE_PER_ADMISSION) {
      uncounted.push(member);
      dead.push(member);
    } else counted++; // live, or a session moving in from another user: it counts
  }
  return { uncounted, dead, full: counted + 1 > max };
}

/** The conditional write of one `reject` attempt; `undefined` view: the first, view-less try. */
function admissionWrite(key: string, max: number, replacing: string | undefined, view?: View) {
  const e = new Expression();
  const m = e.name(A.members);
  const at = (member: string) => `${m}.${e.name(member)}`;
  const update = `SET ${at(key)} = ${e.number(Date.now())}`;
  if (view === undefined) {
    const limit = e.number(max);
    const replaced =
      replacing === undefined ? '' : ` OR (attribute_exists(${at(replacing)}) AND size(${m}) <= ${limit})`;
    // Already a member: an earlier try of this same admission landed (its answer was lost).
    const condition = `attribute_exists(${m}) AND (size(${m}) < ${limit}${replaced} OR attribute_exists(${at(key)}))`;
    return { expression: e, update, condition };
  }
  const checks = [`attribute_exists(${m})`, `size(${m}) < ${e.number(max + view.uncounted.length)}`];
  for (const member of view.uncounted) checks.push(`${at(member.key)} = ${e.number(member.addedAt)}`);
  const removed = view.dead.map((member) => at(member.key));
  return {
    expression: e,
    update: removed.length > 0 ? `${update} REMOVE ${removed.join(', ')}` : update,
    condition: checks.join(' AND '),
  };
}

/** `reject`: adds `key` only if it fits (see the module comment). */
async function admitUnderCap(
  context: DynamoContext,
  userId: string,
  key: string,
  max: number,
  replacing: string | undefined,
): Promise<'admitted' | 'limit'> {
  const { driver, index } = context;
  const pk = userPk(userId);
  const budget = new RetryBudget(context.contentionMs);
  let view: View | undefined;
  while (budget.next()) {
    const write = admissionWrite(key, max, replacing, view);
    if ((await driver.update(pk, write)) !== false) return 'admitted';
    const item = await index.item(userId);
    if (item === undefined) {
      // The user's first session: `max` is at least 1, so it fits. A parallel first login may win
      // this put; then the next try finds the item.
      const first = { pk: { S: pk }, [A.members]: { M: { [key]: { N: String(Date.now()) } } } };
      if (await driver.put(first, undefined, 'attribute_not_exists(pk)')) return 'admitted';
      view = undefined;
      continue;
    }
    const members = membersOf(item);
    view = viewOf(members, await index.states(members.map((member) => member.key)), key, max, replacing);
    if (view.full) return 'limit';
  }
  throw budget.exhausted('dynamoDbStore: admitting a session under the user limit');
}

/**
 * How long (ms) a member stays marked as being ended before another admission takes over the
 * eviction (its evictor died between marking and ending it).
 */
const MARK_STALE_MS = 10_000;

/**
 * `evictOldest`, after the add: ends the user's live sessions beyond the `max` most recently seen.
 * The victims are first marked in the index (their value set to minus the marking time) by one
 * UpdateItem that returns their previous values: only the victims this trimmer flipped are ended
 * by it, so racing trims end each victim once instead of each ending all of them. A marked member
 * neither counts nor is chosen again until its mark is stale.
 */
async function trim(
  context: DynamoContext,
  userId: string,
  max: number,
  replacing: string | undefined,
): Promise<void> {
  const { driver, index } = context;
  const members = await index.members(userId);
  const states = await index.states(members.map((member) => member.key));
  const now = Date.now();
  const ranked: { member: Member; lastSeenAt: number }[] = [];
  for (const member of members) {
    const state = states.get(member.key);
    if (member.key === replacing || state?.kind !== 'live' || state.owner !== userId) continue;
    if (member.addedAt < 0 && now + member.addedAt < MARK_STALE_MS) continue; // being ended
    ranked.push({ member, lastSeenAt: state.lastSeenAt });
  }
  if (ranked.length <= max) return;
  // Most recently seen first; ties broken by key, so every trimmer ranks alike.
  ranked.sort((a, b) => b.lastSeenAt - a.lastSeenAt || (a.member.key < b.member.key ? -1 : 1));
  const victims = ranked.slice(max).map((entry) => entry.member);
  const e = new Expression();
  const m = e.name(A.members);
  const mark = e.number(-now || -1);
  const before = await driver.update(userPk(userId), {
    expression: e,
    update: `SET ${victims.map((victim) => `${m}.${e.name(victim.key)} = ${mark}`).join(', ')}`,
    condition: `attribute_exists(${m})`,
    returnValues: 'UPDATED_OLD',
  });
  if (before === false) return; // the index item is gone: every session of it was ended
  const previous = membersOf(before);
  const mine = victims.filter((victim) =>
    previous.some((entry) => entry.key === victim.key && entry.addedAt === victim.addedAt),
  );
  await inBatches(mine, 10, (victim) => endSession(context, victim.key));
}

/**
 * Adds `key` (whose record is already written) to `userId`'s index under `limit` (see the module
 * comment). `replacing` is the key a rotation moves away from: it does not count.
 * @returns `'admitted'`, or `'limit'` when `reject` refused it (nothing was indexed).
 * @throws ConflictError (`COATCHECK_CONFLICT`) when parallel admissions kept outrunning this one.
 */
export async function admit(
  context: DynamoContext,
  userId: string,
  key: string,
  limit: UserLimit,
  replacing?: string,
): Promise<'admitted' | 'limit'> {
  if (limit.onLimit === 'reject') return admitUnderCap(context, userId, key, limit.max, replacing);
  await context.index.add(userId, key);
  await trim(context, userId, limit.max, replacing);
  return 'admitted';
}
