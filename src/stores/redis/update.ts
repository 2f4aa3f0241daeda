/**
 * `update` on Redis: one `UPDATE` script on the key (one round trip), which also says when the
 * key is claimed by a rotation in progress (wait: the rotation's snapshot is taken, so the write
 * must land on the new record instead) or has been rotated away with forwarded writes (follow it).
 * Moving a session to another user maintains the index around the script (see `user-index.ts`).
 */
import type { StoreDataPatch, StorePatch } from '../../core/store.ts';
import { backoff, MAX_HOPS, RetryBudget } from '../shared/contention.ts';
import type { RedisContext } from './context.ts';
import { DATA } from './record-hash.ts';
import { UPDATE } from './scripts.ts';

/** A patch with its window (`update`), or data only (`updateData`: the window is kept). */
type AnyPatch =
  | StorePatch
  | (StoreDataPatch & { readonly userId?: undefined; readonly expiresAt?: undefined });

function updateArgs(patch: AnyPatch): string[] {
  const owner = patch.userId;
  const set = Object.entries(patch.set);
  const args = [
    String(Date.now()),
    patch.expiresAt === undefined ? '' : String(patch.expiresAt),
    patch.expiresAt === undefined ? '' : String(patch.lastSeenAt),
    owner === undefined ? 'k' : owner === null ? 'c' : 's',
    owner ?? '',
    String(set.length),
  ];
  for (const [field, value] of set) args.push(DATA + field, value);
  for (const field of patch.del) args.push(DATA + field);
  return args;
}

/**
 * Applies `patch` to the live record at `key`, or to the record it was rotated to. A data-only
 * patch (`updateData`) runs the same script, whose live check is the blind write's guard.
 */
export async function updateSession(context: RedisContext, key: string, patch: AnyPatch): Promise<boolean> {
  const { driver, index, sessionKey } = context;
  const owner = patch.userId;
  const budget = new RetryBudget();
  let target = key;
  let hops = 0;
  let indexed = '';
  while (budget.next()) {
    // Moving the session to a user: index first, as a member that may dangle but never be missing.
    if (
      typeof owner === 'string' &&
      patch.expiresAt !== undefined &&
      indexed !== target &&
      patch.expiresAt > Date.now()
    ) {
      await index.add(owner, target, patch.expiresAt);
      indexed = target;
    }
    const reply = (await driver.script(UPDATE, sessionKey(target), updateArgs(patch))) as unknown[];
    const status = Number(reply[0]);
    if (status === 1) {
      if (patch.expiresAt !== undefined) await afterOwnerChange(context, target, patch, reply);
      return true;
    }
    if (status === 2) await backoff(budget.attempt, Math.min(20, Number(reply[1])), 1);
    else if (status === 3 && ++hops <= MAX_HOPS) target = String(reply[1]);
    else {
      // Nothing was moved (the session is gone), so the member just added is dangling.
      if (typeof owner === 'string' && indexed === target) await index.remove(owner, target);
      return false;
    }
  }
  throw budget.exhausted('redisStore: update');
}

/** Index follow-ups of an applied update that named an owner: leave the old set, stay as long as the session. */
async function afterOwnerChange(
  context: RedisContext,
  key: string,
  patch: StorePatch,
  reply: unknown[],
): Promise<void> {
  const owner = patch.userId;
  if (owner === undefined) return;
  const previous = Number(reply[1]) === 1 ? String(reply[2]) : null;
  const absolute = Number(reply[3]);
  const followUps: Promise<unknown>[] = [];
  if (previous !== null && previous !== owner) followUps.push(context.index.remove(previous, key));
  if (typeof owner === 'string' && absolute > patch.expiresAt)
    followUps.push(context.index.add(owner, key, absolute));
  await Promise.all(followUps);
}
