/**
 * `rotate` on DynamoDB, with single-item conditional writes only. The old key, the new key and the
 * user's index are three items, so the old key is *claimed* first, and every other operation on
 * it respects the claim:
 *
 * (a) claim the old item (UpdateItem `SET cn = newKey, ct = now + claimMs`, condition: a live
 *     record with no claim in force), returning the item as it is now: the snapshot. From now on
 *     an `update` of the old key waits (the snapshot is taken; a write now would be lost), another
 *     rotation waits, and a `delete` ends the old key *and* the claimed new key.
 * (b) put the new item: the rotation's record, with the snapshot's data and the patch (condition:
 *     no item there).
 * (L) the user index: the new key is admitted under the limit (or simply added), after (b), as
 *     every new member is. Refused: (b) is undone and the claim released: 'limit'.
 * (c) turn the old item into the forwarder (UpdateItem, condition `cn = newKey`: our claim is still
 *     there). If a delete came first the condition fails, the new item is removed and the answer is
 *     'gone', so a logout racing a rotation leaves nothing live in any order; if a write broke a
 *     lapsed claim, the new item is removed and the rotation starts again from a fresh snapshot.
 *
 * Why not TransactWriteItems: it would make (a)–(c) one request, but it costs two write units per
 * item instead of one, and dynalite, the local DynamoDB the tests (and many users) run against,
 * does not implement it. A rotator that dies after (a) leaves its claim to lapse (`claimMs`, 500 ms
 * by default: a rotation takes a few round trips, and this only bounds how long a write or another
 * rotation waits for a rotator that died): the old session stays usable, and the new key was never
 * handed out. A claim is judged by each app process's own clock: skew only makes a waiting write
 * break a claim early (which restarts that rotation, never a lost write) and, for a claim that
 * seems to hold for more than twice `claimMs` (its setter's clock runs far ahead), at once.
 * Cost: 3 round trips, 4 with a user.
 */
import { ConflictError } from '../../core/errors.ts';
import type { RotateOutcome, StoreRotation } from '../../core/store.ts';
import { applyPatch } from '../shared/apply-patch.ts';
import { backoff, RetryBudget } from '../shared/contention.ts';
import { admit } from './admission.ts';
import { type DynamoContext, waitForClaim } from './context.ts';
import { Expression, type Item } from './driver.ts';
import {
  A,
  dataOf,
  isForwarder,
  isRecord,
  numberOf,
  recordItem,
  sessionPk,
  stringOf,
  ttlSeconds,
} from './items.ts';

/**
 * The condition "no rotation claim in force on this item", by this process's clock: none, lapsed,
 * or one that claims to hold for more than twice `claimMs` (set by a process whose clock runs far
 * ahead; breaking it only makes that rotation start over).
 */
export function noClaimInForce(e: Expression, claimMs: number, now: number): string {
  const until = e.name(A.claimUntil);
  return `(attribute_not_exists(${until}) OR ${until} <= ${e.number(now)} OR ${until} > ${e.number(now + 2 * claimMs)})`;
}

/** How long (ms) the claim on a record item still holds, by the same rule; 0 when none does. */
export function claimLeft(item: Item, claimMs: number, now: number): number {
  const left = (numberOf(item, A.claimUntil) ?? 0) - now;
  return left > 0 && left <= 2 * claimMs ? left : 0;
}

/** What the old key holds when a conditional step on it failed. */
async function classify(context: DynamoContext, oldKey: string): Promise<'gone' | 'superseded' | number> {
  const item = await context.driver.get(sessionPk(oldKey));
  const now = Date.now();
  if (isForwarder(item)) return (numberOf(item, A.forwardUntil) ?? 0) > now ? 'superseded' : 'gone';
  if (!isRecord(item) || !((numberOf(item, A.expires) ?? 0) > now)) return 'gone';
  // Live: ms until a claim in force lapses (0 when there is none).
  return claimLeft(item, context.claimMs, now);
}

/** Step (a): the claimed item, or `false` when the claim's condition did not hold. */
async function claim(context: DynamoContext, oldKey: string, newKey: string): Promise<Item | false> {
  const e = new Expression();
  const now = Date.now();
  return context.driver.update(sessionPk(oldKey), {
    expression: e,
    update: `SET ${e.name(A.claimTo)} = ${e.string(newKey)}, ${e.name(A.claimUntil)} = ${e.number(now + context.claimMs)}`,
    condition: `${e.name(A.expires)} > ${e.number(now)} AND ${noClaimInForce(e, context.claimMs, now)}`,
    returnValues: 'ALL_NEW',
  });
}

/** Abandons our claim on `oldKey` (a no-op once it is no longer ours). */
async function release(context: DynamoContext, oldKey: string, newKey: string): Promise<void> {
  const e = new Expression();
  await context.driver.update(sessionPk(oldKey), {
    expression: e,
    update: `REMOVE ${e.name(A.claimTo)}, ${e.name(A.claimUntil)}`,
    condition: `${e.name(A.claimTo)} = ${e.string(newKey)}`,
  });
}

/** Step (c): whether the old item became the forwarder (or was dropped, with no forwarding window). */
async function forward(
  context: DynamoContext,
  oldKey: string,
  newKey: string,
  rotation: StoreRotation,
  owner: string | undefined,
): Promise<boolean> {
  const e = new Expression();
  const mine = `${e.name(A.claimTo)} = ${e.string(newKey)}`;
  if (rotation.forwardUntil <= Date.now()) {
    const dropped = await context.driver.delete(sessionPk(oldKey), e, mine);
    if (dropped === false) return false;
    if (owner !== undefined) await context.index.remove(owner, [oldKey]);
    return true;
  }
  const set = [
    `${e.name(A.successor)} = ${e.string(newKey)}`,
    `${e.name(A.readableUntil)} = ${e.number(rotation.readableUntil)}`,
    `${e.name(A.forwardWrites)} = ${e.value({ BOOL: rotation.forwardWrites })}`,
    `${e.name(A.forwardUntil)} = ${e.number(rotation.forwardUntil)}`,
    `${e.name(context.ttlAttribute)} = ${e.value(ttlSeconds(rotation.forwardUntil))}`,
  ];
  if (owner !== undefined) set.push(`${e.name(A.forwardOwner)} = ${e.string(owner)}`);
  const record = [
    A.data,
    A.user,
    A.created,
    A.lastSeen,
    A.expires,
    A.absolute,
    A.rev,
    A.claimTo,
    A.claimUntil,
  ];
  const written = await context.driver.update(sessionPk(oldKey), {
    expression: e,
    update: `SET ${set.join(', ')} REMOVE ${record.map((name) => e.name(name)).join(', ')}`,
    condition: mine,
  });
  return written !== false;
}

/** Rotates `oldKey` to `newKey` (see the module comment). */
export async function rotateSession(
  context: DynamoContext,
  oldKey: string,
  newKey: string,
  rotation: StoreRotation,
): Promise<RotateOutcome> {
  const budget = new RetryBudget(context.contentionMs);
  while (budget.next()) {
    const started = Date.now();
    const snapshot = await claim(context, oldKey, newKey);
    if (snapshot === false) {
      const state = await classify(context, oldKey);
      if (state === 'gone' || state === 'superseded') return state;
      if (state > 0) await waitForClaim(state, Date.now() - started);
      else await backoff(budget.attempt, 5);
      continue;
    }
    try {
      const outcome = await moveClaimed(context, oldKey, newKey, rotation, snapshot);
      if (outcome !== 'retry') return outcome;
    } catch (error) {
      // Do not leave writers waiting for a rotation that failed; a no-op once (c) applied.
      await release(context, oldKey, newKey).catch(() => undefined);
      throw error;
    }
  }
  throw budget.exhausted('dynamoDbStore: rotate');
}

/** Steps (b), (L) and (c) for a claimed old item `snapshot`. */
async function moveClaimed(
  context: DynamoContext,
  oldKey: string,
  newKey: string,
  rotation: StoreRotation,
  snapshot: Item,
): Promise<RotateOutcome | 'retry'> {
  const { driver, index, ttlAttribute } = context;
  const record = { ...rotation.record, data: applyPatch(dataOf(snapshot), rotation.patch) };
  const created = await driver.put(
    recordItem(newKey, record, ttlAttribute),
    undefined,
    'attribute_not_exists(pk)',
  );
  if (!created) throw new ConflictError('dynamoDbStore: the key to rotate to is already taken');
  const { userId } = record;
  const indexed = userId !== null && record.expiresAt > Date.now();
  if (indexed) {
    if (rotation.limit === undefined) await index.add(userId, newKey);
    else if ((await admit(context, userId, newKey, rotation.limit, oldKey)) === 'limit') {
      await Promise.all([driver.delete(sessionPk(newKey)), release(context, oldKey, newKey)]);
      return 'limit';
    }
  }
  if (await forward(context, oldKey, newKey, rotation, stringOf(snapshot, A.user))) return 'rotated';
  // The claim is no longer ours: the new record must not outlive this failed attempt.
  await Promise.all([driver.delete(sessionPk(newKey)), indexed ? index.remove(userId, [newKey]) : undefined]);
  const state = await classify(context, oldKey);
  return state === 'gone' || state === 'superseded' ? state : 'retry';
}
