/**
 * Applies a data patch to a record's encoded data, for stores that keep data as one object
 * (memory, filesystem, memcached): the one implementation of "set these keys, remove those",
 * and of the whole record an update writes.
 */
import type { EncodedData, StoreDataPatch, StorePatch, StoreRecord } from '../../core/store.ts';

/**
 * A copy of `data` with `patch` applied: keys in `patch.del` removed, keys in `patch.set` added or
 * replaced, every other key kept. Built from entries, so a `__proto__` key stays a plain key.
 */
export function applyPatch(data: EncodedData, patch: StoreDataPatch): EncodedData {
  const removed = new Set(patch.del);
  const kept = Object.entries(data).filter(([key]) => !removed.has(key) && !Object.hasOwn(patch.set, key));
  return Object.fromEntries([...kept, ...Object.entries(patch.set)]);
}

/**
 * The record `update` writes for stores that rewrite whole records: data patched, owner changed
 * when the patch names one (`undefined` keeps it), the window moved, `rev` incremented.
 */
export function patchedRecord(record: StoreRecord, patch: StorePatch): StoreRecord {
  return {
    ...record,
    data: applyPatch(record.data, patch),
    userId: patch.userId === undefined ? record.userId : patch.userId,
    lastSeenAt: patch.lastSeenAt,
    expiresAt: patch.expiresAt,
    rev: record.rev + 1,
  };
}
