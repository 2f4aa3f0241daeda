/**
 * Wraps a real store and counts its calls that have not settled yet. Core abandons a call at its
 * deadline, but the driver may still hold it: this count is what piles up when a store hangs, so
 * a test can check it stays bounded and drains. An observer, not a mock: every call is delegated.
 */
import type { Store } from '../../src/core/store.ts';

export type PendingStore = Store & {
  /** Calls started and not yet settled. */
  pending(): number;
  /** The most calls ever pending at once. */
  peak(): number;
};

export function pendingStore(inner: Store): PendingStore {
  let pending = 0;
  let peak = 0;
  const track = <T>(start: () => Promise<T>): Promise<T> => {
    pending++;
    peak = Math.max(peak, pending);
    let promise: Promise<T>;
    try {
      promise = start();
    } catch (error) {
      promise = Promise.reject(error);
    }
    const settle = () => {
      pending--;
    };
    promise.then(settle, settle);
    return promise;
  };
  const wrapped: PendingStore = {
    name: inner.name,
    ...(inner.reportsExpired === undefined ? {} : { reportsExpired: inner.reportsExpired }),
    get: (key) => track(() => inner.get(key)),
    create: (key, record, limit) => track(() => inner.create(key, record, limit)),
    update: (key, patch) => track(() => inner.update(key, patch)),
    touch: (key, window) => track(() => inner.touch(key, window)),
    rotate: (oldKey, newKey, rotation) => track(() => inner.rotate(oldKey, newKey, rotation)),
    delete: (key) => track(() => inner.delete(key)),
    close: () => inner.close(),
    pending: () => pending,
    peak: () => peak,
  };
  if (inner.listByUser && inner.deleteByUser) {
    wrapped.listByUser = (userId) => track(() => inner.listByUser!(userId));
    wrapped.deleteByUser = (userId, except) => track(() => inner.deleteByUser!(userId, except));
  }
  return wrapped;
}
