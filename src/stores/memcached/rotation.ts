/**
 * `rotate` on memcached, which has no scripts and no multi-key atomicity: every change of the old
 * key goes through `cas` on it, so the rotation's last step, `cas old := forwarder`, succeeds only
 * if nothing (an update, a touch, a delete, a rival rotation) changed the old key since it was read.
 *
 * gets old → add new (old data + patch) → cas old := forwarder {successor, …}. When the cas loses,
 * the old key is read again: gone or ended → the new item is removed, 'gone'; a forwarder (a rival
 * won) → removed, 'superseded'; a record changed by a write → the new item is rewritten from the
 * fresh data (safe: nobody can know the new key before the cas succeeds) and the cas retried.
 * Cost: 3 round trips, +2 per lost cas.
 */
import { ConflictError } from '../../core/errors.ts';
import type { RotateOutcome, StoreRecord, StoreRotation } from '../../core/store.ts';
import { applyPatch } from '../shared/apply-patch.ts';
import { RetryBudget } from '../shared/contention.ts';
import { encodeForward, encodeRecord, memcachedExptime } from './item.ts';
import type { Items } from './items.ts';

/** Rotates `oldKey` to `newKey` (see the module comment). */
export async function rotateItem(
  items: Items,
  oldKey: string,
  newKey: string,
  rotation: StoreRotation,
  timeoutMs: number,
): Promise<RotateOutcome> {
  const budget = new RetryBudget(timeoutMs);
  let written = false;
  const abandon = async (outcome: RotateOutcome) => {
    if (written) await items.drop(newKey);
    return outcome;
  };
  // No backoff between tries: the writers that beat this cas back off themselves, so the
  // rotation (a single contender) gets its window instead of starving behind them.
  while (budget.next()) {
    const current = await items.read(oldKey);
    if (current?.stored.kind === 'forward') return abandon('superseded');
    if (current === undefined || current.stored.record.expiresAt <= Date.now()) return abandon('gone');
    const old = current.stored.record;
    const record: StoreRecord = { ...rotation.record, data: applyPatch(old.data, rotation.patch), rev: 1 };
    const value = items.sized(encodeRecord(record));
    const lifetime = memcachedExptime(record.expiresAt);
    if (written) await items.set(newKey, value, lifetime);
    else if (await items.add(newKey, value, lifetime)) written = true;
    else throw new ConflictError('memcachedStore: the key to rotate to is already taken');
    const forward = encodeForward({
      successor: newKey,
      userId: old.userId,
      readableUntil: rotation.readableUntil,
      forwardWrites: rotation.forwardWrites,
      forwardUntil: rotation.forwardUntil,
    });
    const swapped = await items.swap(oldKey, forward, current.cas, memcachedExptime(rotation.forwardUntil));
    if (swapped === 'stored') return 'rotated';
  }
  await abandon('gone');
  throw budget.exhausted('memcachedStore: rotate');
}
