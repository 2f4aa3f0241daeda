/**
 * Applies a data patch to a record's encoded data, for stores that keep data as one object
 * (memory, filesystem, memcached): the one implementation of "set these keys, remove those".
 */
import type { EncodedData, StoreDataPatch } from '../../core/store.ts';

/**
 * A copy of `data` with `patch` applied: keys in `patch.del` removed, keys in `patch.set` added or
 * replaced, every other key kept. Built from entries, so a `__proto__` key stays a plain key.
 */
export function applyPatch(data: EncodedData, patch: StoreDataPatch): EncodedData {
  const removed = new Set(patch.del);
  const kept = Object.entries(data).filter(([key]) => !removed.has(key) && !Object.hasOwn(patch.set, key));
  return Object.fromEntries([...kept, ...Object.entries(patch.set)]);
}
