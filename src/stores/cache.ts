/**
 * `coatcheck/stores/cache`: a caching tier that is itself a store, a fast front store (memory or
 * Redis) in front of a durable back store (PostgreSQL, MySQL, SQLite).
 *
 * Reads hit the front first and fill it from the back on a miss. Writes and deletes go to the back
 * first (it is the truth), then drop the front entry, so the next read refills it. User-index
 * operations, purge, count and scan go to the back.
 *
 * Staleness bound: a front entry lives at most `cacheTtlMs` after it was filled (and never past
 * the record's own expiry). So a delete, revoke or update in another process is seen here within
 * `cacheTtlMs` at worst; with `invalidation` (Redis pub/sub) within one publish's latency, and
 * `cacheTtlMs` still bounds a lost message or a Redis outage. Within one process, a read racing a
 * write never re-caches the old record, and after the front failed to drop an entry (front store
 * down) reads skip the front for `cacheTtlMs`, so an entry it kept through an outage is never
 * served here.
 */

import { ConfigError } from '../core/errors.ts';
import type { NewStoreRecord, Store, StorePatch, StoreTouch } from '../core/store.ts';
import { fromFrontEntry, toFrontEntry } from './cache/front-entry.ts';
import {
  type CacheInvalidationOptions,
  checkInvalidationClients,
  type InvalidationChannel,
  joinInvalidation,
} from './cache/invalidation.ts';

export type {
  CacheInvalidationOptions,
  RedisPublisherLike,
  RedisSubscriberLike,
} from './cache/invalidation.ts';

/** Options of {@link cacheStore}. */
export interface CacheStoreOptions {
  /** The fast store read first, e.g. `memoryStore()` or `redisStore(...)`. Closed by `close()`. */
  readonly front: Store;
  /** The durable store, the source of truth. Closed by `close()`. */
  readonly back: Store;
  /** Longest time (ms) a front entry is trusted: the staleness bound across processes. Default 5 000. */
  readonly cacheTtlMs?: number;
  /** Redis pub/sub clients to drop other processes' front entries at once on every write. */
  readonly invalidation?: CacheInvalidationOptions;
  /**
   * Receives front-store and pub/sub failures. They never fail a request: reads fall back to the
   * back store and `cacheTtlMs` bounds staleness. Default: ignored.
   */
  readonly onError?: (error: unknown) => void;
  /** The clock, ms since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Creates a caching tier. It offers the user index, purge, count and scan exactly when the back
 * store does.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) when `front`/`back` are not stores, `cacheTtlMs` is not
 * a positive number, or the invalidation clients do not look like Redis clients.
 * @example
 * const store = cacheStore({ front: memoryStore(), back: postgresStore({ pool }), cacheTtlMs: 5000,
 *   invalidation: { publisher: redis, subscriber: redis.duplicate() } });
 */
export function cacheStore(options: CacheStoreOptions): Store {
  const { front, back } = options;
  for (const [option, store] of [
    ['front', front],
    ['back', back],
  ] as const) {
    if (typeof store?.get !== 'function' || typeof store.update !== 'function') {
      throw new ConfigError(
        `cacheStore: ${option} must be a Store (e.g. memoryStore() or postgresStore(...)).`,
      );
    }
  }
  const cacheTtlMs = options.cacheTtlMs ?? 5000;
  if (!Number.isFinite(cacheTtlMs) || cacheTtlMs <= 0) {
    throw new ConfigError(`cacheStore: cacheTtlMs must be a positive number of ms, got ${cacheTtlMs}.`);
  }
  const now = options.now ?? Date.now;
  const onError = (error: unknown) => options.onError?.(error);
  /** Fills in flight, by key; dropping the token tells the fill its record may be stale. */
  const fills = new Map<string, symbol>();
  /**
   * Until when the front may hold an entry that missed its invalidation: a front that failed a
   * delete (e.g. Redis unreachable) can come back with the old entry, which would serve a write's
   * old state or revive a destroyed session. Every entry filled before the failure is gone
   * `cacheTtlMs` after it, so the front is bypassed until then.
   */
  let frontSuspectUntil = Number.NEGATIVE_INFINITY;
  const distrustFront = (error: unknown) => {
    frontSuspectUntil = now() + cacheTtlMs;
    onError(error);
  };

  /** Forgets `keys` in this process: no in-flight fill may cache them, and the front drops them. */
  const forget = async (keys: readonly string[]) => {
    for (const key of keys) fills.delete(key);
    await Promise.all(keys.map((key) => front.delete(key).catch(distrustFront)));
  };

  let channel: InvalidationChannel | undefined;
  let joined: Promise<void> = Promise.resolve();
  if (options.invalidation !== undefined) {
    checkInvalidationClients(options.invalidation);
    // Reads wait for the subscription, so nothing is cached before invalidations can arrive. If
    // subscribing fails, the cache still works and cacheTtlMs alone bounds staleness.
    joined = joinInvalidation(options.invalidation, (keys) => void forget(keys), onError).then(
      (joinedChannel) => {
        channel = joinedChannel;
      },
      onError,
    );
  }

  /** After a write to the back: drop the entry here, then tell the other processes. */
  const invalidate = async (keys: readonly string[]) => {
    await forget(keys);
    await channel?.publish(keys);
  };

  // How reads went, for health checks and telemetry (`store.tiers.lookups()`).
  let hits = 0;
  let misses = 0;

  const store: Store = {
    name: `cache(${front.name}→${back.name})`,
    tiers: { front, back, lookups: () => ({ hits, misses }) },
    async get(key) {
      await joined;
      if (now() < frontSuspectUntil) {
        misses++;
        return back.get(key);
      }
      const cached = await front.get(key).catch((error: unknown) => {
        onError(error);
        return undefined;
      });
      if (cached !== undefined) {
        const record = fromFrontEntry(cached);
        if (record !== undefined && record.expiresAt > now()) {
          hits++;
          return record;
        }
        await front.delete(key).catch(onError);
      }
      misses++;
      const token = Symbol(key);
      fills.set(key, token);
      let record: Awaited<ReturnType<Store['get']>>;
      try {
        record = await back.get(key);
      } catch (error) {
        if (fills.get(key) === token) fills.delete(key);
        throw error;
      }
      if (fills.get(key) !== token) return record; // a write raced this read: do not cache it
      fills.delete(key);
      if (record !== undefined) {
        await front.create(key, toFrontEntry(record, now() + cacheTtlMs)).catch(onError);
      }
      return record;
    },
    async create(key, record: NewStoreRecord) {
      // Keys are fresh random tokens: no front entry can exist for a key the back store lacks.
      return back.create(key, record);
    },
    async update(key, patch: StorePatch) {
      const updated = await back.update(key, patch);
      await invalidate([key]);
      return updated;
    },
    async touch(key, window: StoreTouch) {
      const touched = await back.touch(key, window);
      await invalidate([key]);
      return touched;
    },
    async delete(key) {
      await back.delete(key);
      await invalidate([key]);
    },
    async close() {
      await joined;
      await channel?.close();
      channel = undefined;
      await Promise.all([front.close(), back.close()]);
    },
  };

  if (typeof back.listByUser === 'function' && typeof back.deleteByUser === 'function') {
    const list = back.listByUser.bind(back);
    const remove = back.deleteByUser.bind(back);
    store.listByUser = (userId) => list(userId);
    store.deleteByUser = async (userId, exceptKey) => {
      // The back store reports a count, not keys: list first so the fronts can drop each one.
      // A session of this user cached between the list and the delete is bounded by cacheTtlMs.
      const keys = (await list(userId)).map((entry) => entry.key).filter((key) => key !== exceptKey);
      const removed = await remove(userId, exceptKey);
      await invalidate(keys);
      return removed;
    };
  }
  if (typeof back.purgeExpired === 'function') {
    const purge = back.purgeExpired.bind(back);
    store.purgeExpired = async () => {
      await front.purgeExpired?.().catch(onError);
      return purge();
    };
  }
  if (typeof back.count === 'function') {
    const count = back.count.bind(back);
    store.count = () => count();
  }
  if (typeof back.scan === 'function') {
    // The back store is the truth; front entries are copies with their own (shorter) expiry.
    const scan = back.scan.bind(back);
    store.scan = (scanOptions) => scan(scanOptions);
  }
  return store;
}
