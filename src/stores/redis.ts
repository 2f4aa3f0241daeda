/**
 * `coatcheck/stores/redis`: sessions in Redis or Valkey, standalone or Cluster, through the client
 * you already have: an ioredis `Redis` or `Cluster`, or a node-redis (v5, v6) client or cluster.
 *
 * One hash per session, expired by the server itself (`PEXPIREAT`); every step is a one-key Lua
 * script, hence atomic, and valid on Cluster (one key, one hash slot). A patch is applied field by
 * field inside the script, so concurrent requests that change different keys never lose each
 * other's writes. Standalone and Cluster run the same code: a rotation claims the old key before
 * it writes the new one (`redis/rotation.ts`), endings follow a claim or a forwarder to the next
 * key (`redis/ending.ts`), and the user limit is one script on the user's index (`redis/admission.ts`).
 *
 * This module imports no driver: clients are recognised by their methods.
 */
import { ConfigError } from '../core/errors.ts';
import type { NewStoreRecord, Store, StoreEntry, StoreRecord, StoreTouch, UserLimit } from '../core/store.ts';
import { admit } from './redis/admission.ts';
import {
  ClientCache,
  type LoadedRecord,
  type RedisCacheOptions,
  type RedisCacheStats,
} from './redis/client-cache.ts';
import type { RedisContext } from './redis/context.ts';
import { type RedisClientLike, type RedisDriver, redisDriver } from './redis/driver.ts';

export type { RedisCacheOptions, RedisCacheStats } from './redis/client-cache.ts';

import { endSession, endUserSessions } from './redis/ending.ts';
import { readHash, recordFields } from './redis/record-hash.ts';
import { rotateSession } from './redis/rotation.ts';
import { globLiteral, scanSessions } from './redis/scan.ts';
import { CREATE, TOUCH } from './redis/scripts.ts';
import { ioRedisClusterTracking, ioRedisTracking, nodeRedisTracking } from './redis/tracking-connection.ts';
import { updateSession } from './redis/update.ts';
import { memberState, type UserIndex, userIndex } from './redis/user-index.ts';
import { MAX_HOPS } from './shared/contention.ts';
import { inBatches } from './shared/in-batches.ts';

export type {
  IoRedisLike,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  RedisClientLike,
} from './redis/driver.ts';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * A connected client: ioredis `new Redis()` / `new Cluster()`, or node-redis `createClient()` /
   * `createCluster()` after `connect()`. Left open by `close()`. Do not set ioredis `keyPrefix` on
   * it (use `prefix`): SCAN-based `count()` and `purgeExpired()` would not see prefixed keys.
   */
  readonly client: RedisClientLike;
  /**
   * Prefix of every key the store writes: `<prefix>s:<key>` per session, `<prefix>u:<userId>` per
   * user. Default `coatcheck:`. Avoid `{…}` in it on Cluster: a hash tag would put every session
   * into one slot.
   */
  readonly prefix?: string;
  /**
   * Opt-in client-side caching (standalone Redis only): a bounded in-process copy of the records
   * this process read, invalidated by Redis on every write from any process (server-assisted
   * tracking, BCAST mode, on one extra connection the store opens with `client.duplicate()` and
   * closes in `close()`). A read of an unchanged session then makes no round trip. While that
   * connection is down, the copy is dropped and every read goes to Redis. See docs/stores/redis.md.
   * @example redisStore({ client, cache: { maxEntries: 50_000, maxBytes: 128 * 1024 * 1024 } })
   */
  readonly cache?: RedisCacheOptions;
}

/**
 * A Redis store: every capability, blind writes (`updateData`) included. `purgeExpired` returns 0 (Redis expires sessions itself).
 * `reportsExpired` is unset: native TTL cannot tell an expired session from a missing one.
 */
export type RedisStore = Store &
  Required<Pick<Store, 'listByUser' | 'deleteByUser' | 'purgeExpired' | 'count' | 'scan' | 'updateData'>> & {
    /** Hit, miss and invalidation counts of the client-side cache; `undefined` without `cache`. */
    cacheStats(): RedisCacheStats | undefined;
  };

/**
 * Creates a Redis session store.
 *
 * Round trips: get 1 (HGETALL; +1 per hop when reading through a rotated-away key in its grace
 * window); create 1 (+1 with a userId: the index; with a limit that is full, +2 to check the
 * user's sessions, plus ending the evicted ones); update 1 (+1 to +2 when it changes the owner;
 * more only while a rotation of that key is under way or when it follows a rotated-away key);
 * updateData 1 (the blind write: the live check runs in the same script); touch 1; rotate 3 (+1 with a userId, as create); delete 1 (+1 when the session had an owner,
 * +1 per key it was rotated to).
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) when `client` is not an ioredis or node-redis client or
 * cluster, `prefix` is not a string, or `cache` is given for a node-redis cluster or with bounds that are not
 * positive integers. Operations throw ConflictError (`COATCHECK_CONFLICT`) when
 * concurrent rotations or admissions keep outrunning them for 1.5 s.
 * @example
 * import { Redis } from 'ioredis';
 * const store = redisStore({ client: new Redis(process.env.REDIS_URL), prefix: 'myapp:' });
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const driver = options.client ? redisDriver(options.client) : undefined;
  if (driver === undefined) {
    throw new ConfigError(
      'redisStore: `client` must be an ioredis Redis or Cluster, or a node-redis client or cluster (createClient/createCluster)',
    );
  }
  const prefix = options.prefix ?? 'coatcheck:';
  if (typeof prefix !== 'string')
    throw new ConfigError('redisStore: `prefix` must be a string, e.g. "myapp:"');
  const sessionKey = (key: string) => `${prefix}s:${key}`;
  const index = userIndex(driver, prefix);
  const context: RedisContext = { driver, index, sessionKey };
  const hgetall = (key: string) => driver.command(sessionKey(key), ['HGETALL', sessionKey(key)]);
  const cache = options.cache === undefined ? undefined : clientCache(options, driver, `${prefix}s:`);

  /** Reads `key`, following a rotated-away key through its grace window. */
  const load = async (key: string): Promise<LoadedRecord> => {
    let hop = key;
    for (let seen = 0; seen < MAX_HOPS; seen++) {
      const found = readHash(await hgetall(hop));
      if (found === undefined) break;
      if (!('successor' in found)) {
        // Only a record read at its own key is copied: Redis reports a successor's writes under
        // the successor's key, which would never reach a copy kept under the old one.
        return { record: found.expiresAt > Date.now() ? found : undefined, copyable: hop === key };
      }
      if (found.readableUntil <= Date.now()) break;
      hop = found.successor;
    }
    return NOTHING;
  };
  /** Runs a write of `keys`, dropping their copies before (spoiling reads in flight) and after. */
  const changing = async <T>(keys: readonly string[], write: () => Promise<T>): Promise<T> => {
    if (cache === undefined) return write();
    for (const key of keys) cache.forget(key);
    try {
      return await write();
    } finally {
      for (const key of keys) cache.forget(key);
    }
  };

  return {
    name: 'redis',

    async get(key): Promise<StoreRecord | undefined> {
      if (cache !== undefined) return cache.read(key, () => load(key));
      return (await load(key)).record;
    },

    create: (key, record, limit) => create(context, key, record, limit),
    update: (key, patch) => changing([key], () => updateSession(context, key, patch)),
    updateData: (key, patch) => changing([key], () => updateSession(context, key, patch)),

    touch(key, window: StoreTouch) {
      const args = [String(Date.now()), String(window.expiresAt), String(window.lastSeenAt)];
      return changing([key], async () => Number(await driver.script(TOUCH, sessionKey(key), args)) === 1);
    },

    rotate: (oldKey, newKey, rotation) =>
      changing([oldKey, newKey], () => rotateSession(context, oldKey, newKey, rotation)),
    delete: (key) => changing([key], () => endSession(context, key)),

    async close() {
      // The client belongs to the caller; the tracking connection is the store's own.
      await cache?.close();
    },

    cacheStats: () => cache?.stats(),
    ...(cache === undefined ? {} : { cacheLookups: () => cache.stats() }),

    async listByUser(userId) {
      const members = await index.members(userId);
      const now = Date.now();
      const found = await inBatches(members, 100, async (member) => readHash(await hgetall(member.key)));
      const entries: StoreEntry[] = [];
      const dangling: string[] = [];
      members.forEach((member, i) => {
        const hash = found[i];
        // A forwarder is not listed, but stays indexed: deleteByUser must still find it.
        if (hash !== undefined && 'successor' in hash) return;
        if (hash?.userId === userId && hash.expiresAt > now) entries.push({ key: member.key, record: hash });
        else dangling.push(member.key);
      });
      await index.prune({ userId }, dangling);
      return entries;
    },

    async deleteByUser(userId, exceptKey) {
      try {
        return await endUserSessions(context, userId, exceptKey);
      } finally {
        cache?.forgetUser(userId);
      }
    },

    async purgeExpired() {
      // Sessions expire natively; what is left to clean are index members whose session is gone.
      const indexKeys = await driver.scan(`${globLiteral(prefix)}u:*`);
      await inBatches(indexKeys, 20, (indexKeyName) => pruneIndex(driver, index, indexKeyName, prefix));
      return 0;
    },

    async count() {
      // Rotated-away keys are hashes too, but not records: only hashes with an expiry field count.
      const names = await driver.scan(`${globLiteral(prefix)}s:*`);
      const held = await inBatches(names, 100, (name) => driver.command(name, ['HEXISTS', name, 'm:e']));
      return held.filter((reply) => Number(reply) === 1).length;
    },

    scan: (scanOptions) => scanSessions(driver, prefix, scanOptions),
  };
}

const NOTHING: LoadedRecord = { record: undefined, copyable: false };

/** The client-side cache of `redisStore({ cache })` (ioredis Cluster: one tracking connection per master). */
function clientCache(options: RedisStoreOptions, driver: RedisDriver, keyPrefix: string): ClientCache {
  const cacheOptions = options.cache!;
  if (driver.kind === 'node-redis-cluster') {
    // node-redis's cluster reports no topology change, which per-node tracking needs to stay exact.
    throw new ConfigError(
      'redisStore: `cache` (client-side caching) on Redis Cluster needs an ioredis Cluster client; with node-redis createCluster(), remove the `cache` option.',
    );
  }
  if (typeof cacheOptions !== 'object' || cacheOptions === null) {
    throw new ConfigError('redisStore: `cache` must be an object, e.g. { maxEntries: 10000 }.');
  }
  const open =
    driver.kind === 'ioredis'
      ? ioRedisTracking
      : driver.kind === 'ioredis-cluster'
        ? ioRedisClusterTracking
        : nodeRedisTracking;
  return new ClientCache(cacheOptions, keyPrefix, open(options.client, keyPrefix));
}

/** Inserts a record; with an owner, indexes it right after (under `limit` when given). */
async function create(
  context: RedisContext,
  key: string,
  record: NewStoreRecord,
  limit: UserLimit | undefined,
): Promise<boolean | 'limit'> {
  const { driver, index, sessionKey } = context;
  const name = sessionKey(key);
  const now = Date.now();
  const args = [String(now), String(record.expiresAt), ...recordFields(record)];
  if (Number(await driver.script(CREATE, name, args)) !== 1) return false;
  if (record.userId === null || record.expiresAt <= now) return true;
  const deadline = Math.max(record.expiresAt, record.absoluteExpiresAt);
  if (limit === undefined) await index.add(record.userId, key, deadline);
  else if ((await admit(context, record.userId, key, deadline, limit)) === 'limit') {
    // Never indexed and its key never handed out: nobody saw it.
    await driver.command(name, ['DEL', name]);
    return 'limit';
  }
  return true;
}

/** Prunes one user's set (found by SCAN) of members whose session is gone or another user's. */
async function pruneIndex(driver: RedisDriver, index: UserIndex, indexKeyName: string, prefix: string) {
  const userId = indexKeyName.slice(prefix.length + 2);
  const reply = (await driver.command(indexKeyName, ['ZRANGE', indexKeyName, '0', '-1'])) as unknown[];
  const now = Date.now();
  const dangling: string[] = [];
  await inBatches(reply.map(String), 100, async (key) => {
    const state = await memberState(driver, `${prefix}s:${key}`, now);
    if (state.kind === 'dead' || state.owner !== userId) dangling.push(key);
  });
  await index.prune({ index: indexKeyName }, dangling);
}
