/**
 * `coatcheck/stores/cache`: a caching tier that is itself a store, a fast front store (memory or
 * Redis) in front of a durable back store (PostgreSQL, MySQL, SQLite).
 *
 * Reads hit the front first and fill it from the back on a miss. Writes, rotations and deletes go
 * to the back first (it is the truth and enforces every lifecycle rule: atomic rotation, endings
 * that follow it, user limits), then drop the front entries of every key they changed: both keys
 * of a rotation, the keys a delete or a forwarded write reached along a rotation, the sessions a
 * user limit evicted. User-index operations, purge, count and scan go to the back.
 *
 * Staleness bound: a front entry lives at most `cacheTtlMs` after it was filled (and never past
 * the record's own expiry). So a delete, revoke or update in another process is seen here within
 * `cacheTtlMs` at worst; with `invalidation` (Redis pub/sub) within one publish's latency, and
 * `cacheTtlMs` still bounds a lost message or a Redis outage. Within one process, a read racing a
 * write never re-caches the old record, a rotated-away key is never cached (during its grace
 * window the back answers it with the successor's record, which later invalidations would miss),
 * and after the front failed to drop an entry (front store down) reads skip the front for
 * `cacheTtlMs`, so an entry it kept through an outage is never served here. Rotations travel over
 * pub/sub too; without it, another process learns of one only through `cacheTtlMs`.
 */

import { ConfigError } from '../core/errors.ts';
import type {
  NewStoreRecord,
  Store,
  StorePatch,
  StoreRotation,
  StoreTouch,
  UserLimit,
} from '../core/store.ts';
import { FrontTier } from './cache/front-tier.ts';
import type { CacheInvalidationOptions } from './cache/invalidation.ts';
import type { Move } from './cache/moves.ts';

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
 * store does, and reports expired records exactly when the back store does.
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
  const tier = new FrontTier(front, { cacheTtlMs, now, onError, invalidation: options.invalidation });
  const listByUser = back.listByUser?.bind(back);

  /**
   * Runs a back-store write, then invalidates what `changed` names for its outcome. Only once the
   * back store acknowledged it: a write that failed was answered with an error (a 503), and its
   * session's cached state stays readable through a back-store outage (a destroy the back store
   * did not make is not reported done, so nothing it ended is served).
   */
  const writing = async <T>(write: () => Promise<T>, changed: (outcome: T) => [string[], Move[]?]) => {
    const outcome = await write();
    await tier.invalidate(...changed(outcome));
    return outcome;
  };
  /**
   * The user's sessions that a write under `limit` might evict: listed before it, since the back
   * store reports no victims. A session of the user created between the list and the write and
   * evicted by it is the one left to `cacheTtlMs`.
   */
  const evictable = async (userId: string | null, limit: UserLimit | undefined): Promise<string[]> => {
    if (limit?.onLimit !== 'evictOldest' || userId === null || listByUser === undefined) return [];
    return (await listByUser(userId)).map((entry) => entry.key);
  };

  // How reads went, for health checks and telemetry (`store.tiers.lookups()`): a read the front
  // did not answer went to the back store (a miss); every other read was a hit.
  let reads = 0;
  let misses = 0;

  const store: Store = {
    name: `cache(${front.name}→${back.name})`,
    tiers: { front, back, lookups: () => ({ hits: reads - misses, misses }) },
    ...(back.reportsExpired === true ? { reportsExpired: true } : {}),
    get(key) {
      reads++;
      return tier.read(key, () => {
        misses++;
        return back.get(key);
      });
    },
    async create(key, record: NewStoreRecord, limit?: UserLimit) {
      // Keys are fresh random tokens: no front entry can exist for a key the back store lacks.
      const victims = await evictable(record.userId, limit);
      if (victims.length === 0) return back.create(key, record, limit);
      return writing(
        () => back.create(key, record, limit),
        () => [victims],
      );
    },
    update(key, patch: StorePatch) {
      // A write through a rotated-away key lands on its successor: the chain is dropped (invalidate).
      return writing(
        () => back.update(key, patch),
        () => [[key]],
      );
    },
    touch(key, window: StoreTouch) {
      return writing(
        () => back.touch(key, window),
        () => [[key]],
      );
    },
    async rotate(oldKey, newKey, rotation: StoreRotation) {
      const victims = await evictable(rotation.record.userId, rotation.limit);
      return writing(
        () => back.rotate(oldKey, newKey, rotation),
        (outcome) => {
          // Superseded: another rotation moved the key, to a successor this process may not know.
          const moved = outcome === 'rotated' ? newKey : outcome === 'superseded' ? null : undefined;
          const moves: Move[] = moved === undefined ? [] : [[oldKey, moved, rotation.forwardUntil]];
          return [[oldKey, newKey, ...victims], moves];
        },
      );
    },
    delete(key) {
      // Ends what the key moved to as well: invalidate drops every key of the known chain.
      return writing(
        () => back.delete(key),
        () => [[key]],
      );
    },
    async close() {
      await tier.close();
      await Promise.all([front.close(), back.close()]);
    },
  };

  if (listByUser !== undefined && typeof back.deleteByUser === 'function') {
    const remove = back.deleteByUser.bind(back);
    store.listByUser = (userId) => listByUser(userId);
    store.deleteByUser = async (userId, exceptKey) => {
      // The back store reports a count, not keys: list first so the fronts can drop each one.
      // A session of this user cached between the list and the delete is bounded by cacheTtlMs.
      const keys = (await listByUser(userId)).map((entry) => entry.key).filter((key) => key !== exceptKey);
      return writing(
        () => remove(userId, exceptKey),
        () => [keys],
      );
    };
  }
  if (typeof back.purgeExpired === 'function') {
    const purge = back.purgeExpired.bind(back);
    store.purgeExpired = async () => {
      await front.purgeExpired?.().catch(onError);
      return purge();
    };
  }
  if (typeof back.updateData === 'function') {
    // A blind write: the back store checks liveness; the front copy is dropped like an update's.
    const updateData = back.updateData.bind(back);
    store.updateData = (key, patch) =>
      writing(
        () => updateData(key, patch),
        () => [[key]],
      );
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
