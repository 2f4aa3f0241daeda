/**
 * Wraps a real store and counts the calls made to it, so tests can prove a request cost zero or
 * one round trip. It delegates every call unchanged: this is an observer, not a mock.
 */
import type { Store } from '../../src/core/store.ts';

export type CountedStore = Store & { readonly calls: Map<string, number>; total(): number; reset(): void };

export function countingStore(inner: Store): CountedStore {
  const calls = new Map<string, number>();
  const count = <T>(name: string, result: T): T => {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    return result;
  };
  const wrapped: Store = {
    name: inner.name,
    ...(inner.reportsExpired === undefined ? {} : { reportsExpired: inner.reportsExpired }),
    get: (key) => count('get', inner.get(key)),
    create: (key, record, limit) => count('create', inner.create(key, record, limit)),
    rotate: (oldKey, newKey, rotation) => count('rotate', inner.rotate(oldKey, newKey, rotation)),
    update: (key, patch) => count('update', inner.update(key, patch)),
    touch: (key, window) => count('touch', inner.touch(key, window)),
    delete: (key) => count('delete', inner.delete(key)),
    close: () => inner.close(),
  };
  const optional: Partial<Store> = {};
  if (inner.listByUser) optional.listByUser = (userId) => count('listByUser', inner.listByUser!(userId));
  if (inner.deleteByUser)
    optional.deleteByUser = (userId, except) => count('deleteByUser', inner.deleteByUser!(userId, except));
  if (inner.purgeExpired) optional.purgeExpired = () => inner.purgeExpired!();
  if (inner.count) optional.count = () => inner.count!();
  if (inner.updateData)
    optional.updateData = (key, patch) => count('updateData', inner.updateData!(key, patch));
  return Object.assign(wrapped, optional, {
    calls,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    reset: () => calls.clear(),
  });
}
