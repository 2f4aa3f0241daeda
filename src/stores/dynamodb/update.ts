/**
 * `update` and `touch` on DynamoDB: each one conditional UpdateItem on the key (one round trip).
 *
 * The patch is applied in place by the update expression (`SET d.#k = :v`, `REMOVE d.#k`, `ADD r 1`),
 * so two requests that change different keys never lose each other's writes and no read is
 * needed. The condition is "a live record with no rotation claim in force": a missing, expired or
 * rotated-away key fails it, so an update never creates an item (no resurrection). Only when it
 * fails does the store read the item to learn why: a claim in force means a rotation has taken its
 * snapshot (wait, then retry: the write must land on the new record); a forwarder that accepts
 * writes is followed to its successor; anything else is `false`.
 *
 * DynamoDB caps an expression at 4 KB, about 250 keys; a larger patch is applied by reading the
 * record and replacing its whole data map, conditional on `rev` being unchanged (retried when a
 * concurrent write won).
 */
import type { StorePatch } from '../../core/store.ts';
import { applyPatch } from '../shared/apply-patch.ts';
import { backoff, MAX_HOPS, RetryBudget } from '../shared/contention.ts';
import { type DynamoContext, waitForClaim } from './context.ts';
import { Expression, type Item } from './driver.ts';
import { dropDead } from './ending.ts';
import {
  A,
  dataKey,
  dataMap,
  dataOf,
  isForwarder,
  isRecord,
  numberOf,
  sessionPk,
  stringOf,
  ttlSeconds,
} from './items.ts';
import { claimLeft, noClaimInForce } from './rotation.ts';

/** DynamoDB's limit on one expression string, less a margin. */
const EXPRESSION_MAX = 4000;

/** The write of one attempt: the patch in place, or (`rev` given) the whole data map replaced. */
function patchWrite(context: DynamoContext, patch: StorePatch, whole?: { data: Item[string]; rev: number }) {
  const e = new Expression();
  const at = Date.now();
  const now = e.number(at);
  const set = [
    `${e.name(A.lastSeen)} = ${e.number(patch.lastSeenAt)}`,
    `${e.name(A.expires)} = ${e.number(patch.expiresAt)}`,
    `${e.name(context.ttlAttribute)} = ${e.value(ttlSeconds(patch.expiresAt))}`,
  ];
  // Breaking a claim that has lapsed (its rotator died or stalled) makes that rotation restart.
  const remove = [e.name(A.claimTo), e.name(A.claimUntil)];
  if (typeof patch.userId === 'string') set.push(`${e.name(A.user)} = ${e.string(patch.userId)}`);
  else if (patch.userId === null) remove.push(e.name(A.user));
  if (whole === undefined) {
    for (const [name, value] of Object.entries(patch.set))
      set.push(`${e.name(A.data)}.${e.name(dataKey(name))} = ${e.string(value)}`);
    for (const name of patch.del) remove.push(`${e.name(A.data)}.${e.name(dataKey(name))}`);
  } else set.push(`${e.name(A.data)} = ${e.value(whole.data)}`);
  const conditions = [`${e.name(A.expires)} > ${now}`, noClaimInForce(e, context.claimMs, at)];
  if (whole !== undefined) conditions.push(`${e.name(A.rev)} = ${e.number(whole.rev)}`);
  return {
    expression: e,
    update: `SET ${set.join(', ')} ADD ${e.name(A.rev)} ${e.number(1)} REMOVE ${remove.join(', ')}`,
    condition: conditions.join(' AND '),
    returnValues: patch.userId === undefined ? ('NONE' as const) : ('ALL_OLD' as const),
  };
}

/** One attempt on `target`: the old item's attributes when applied, `false` when the condition failed. */
async function attempt(context: DynamoContext, target: string, patch: StorePatch): Promise<Item | false> {
  const pk = sessionPk(target);
  const inPlace = patchWrite(context, patch);
  if (inPlace.update.length <= EXPRESSION_MAX) return context.driver.update(pk, inPlace);
  const current = await context.driver.get(pk);
  if (!isRecord(current)) return false;
  const data = dataMap(applyPatch(dataOf(current), patch));
  const rev = numberOf(current, A.rev) ?? 0;
  return context.driver.update(pk, patchWrite(context, patch, { data, rev }));
}

/** Applies `patch` to the live record at `key`, or to the record it was rotated to. */
export async function updateSession(
  context: DynamoContext,
  key: string,
  patch: StorePatch,
): Promise<boolean> {
  const { driver, index } = context;
  const owner = patch.userId;
  const budget = new RetryBudget(context.contentionMs);
  let target = key;
  let hops = 0;
  let indexed = '';
  while (budget.next()) {
    // Moving the session to a user: index first, as a member that may dangle but never be missing.
    if (typeof owner === 'string' && indexed !== target && patch.expiresAt > Date.now()) {
      await index.add(owner, target);
      indexed = target;
    }
    const started = Date.now();
    const old = await attempt(context, target, patch);
    if (old !== false) {
      const previous = stringOf(old, A.user);
      if (owner !== undefined && previous !== undefined && previous !== owner)
        await index.remove(previous, [target]);
      return true;
    }
    const item = await driver.get(sessionPk(target));
    const now = Date.now();
    if (isRecord(item) && (numberOf(item, A.expires) ?? 0) > now) {
      const claimed = claimLeft(item, context.claimMs, now);
      // A rotation holds the key (wait for it), or a concurrent write changed `rev` (go again).
      if (claimed > 0) await waitForClaim(claimed, now - started);
      else await backoff(budget.attempt, 5);
      continue;
    }
    if (isRecord(item)) await dropDead(context, target);
    if (
      isForwarder(item) &&
      item[A.forwardWrites]?.BOOL === true &&
      (numberOf(item, A.forwardUntil) ?? 0) > now &&
      ++hops <= MAX_HOPS
    ) {
      target = stringOf(item, A.successor) ?? '';
      continue;
    }
    // Nothing took the write (the session is gone), so a member just added is dangling.
    if (typeof owner === 'string' && indexed === target) await index.remove(owner, [target]);
    return false;
  }
  throw budget.exhausted('dynamoDbStore: update');
}

/** Extends a live record's window; data, `rev` and any rotation claim are left alone. */
export async function touchSession(
  context: DynamoContext,
  key: string,
  window: { readonly lastSeenAt: number; readonly expiresAt: number },
): Promise<boolean> {
  const e = new Expression();
  const written = await context.driver.update(sessionPk(key), {
    expression: e,
    update: `SET ${e.name(A.lastSeen)} = ${e.number(window.lastSeenAt)}, ${e.name(A.expires)} = ${e.number(window.expiresAt)}, ${e.name(context.ttlAttribute)} = ${e.value(ttlSeconds(window.expiresAt))}`,
    condition: `${e.name(A.expires)} > ${e.number(Date.now())}`,
  });
  if (written !== false) return true;
  await dropDead(context, key);
  return false;
}
