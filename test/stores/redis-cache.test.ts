/**
 * Redis client-side caching (`redisStore({ cache })`) on a real standalone Redis, with an ioredis
 * and a node-redis client: the whole conformance suite with the cache on, then what the cache
 * adds (no round trip on a hit, invalidation by another connection's writes, a read in the very
 * callback of another connection's delete reply, a killed tracking connection, the bounds, and
 * the refusal on a node-redis cluster).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { ErrorCodes } from '../../src/core/errors.ts';
import type { Store } from '../../src/core/store.ts';
import { trackingName } from '../../src/stores/redis/tracking-connection.ts';
import { type RedisClientLike, type RedisStore, redisStore } from '../../src/stores/redis.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { randomKey, sampleRecord, sleep } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

const skip = await serviceSkipReason('redis');
const io = skip === undefined ? new Redis(serviceUrls.redis) : undefined;
const nodeRedis = skip === undefined ? await createClient({ url: serviceUrls.redis }).connect() : undefined;
const admin = skip === undefined ? new Redis(serviceUrls.redis) : undefined;
const prefixes = new Map<Store, string>();

async function dropPrefix(prefix: string): Promise<void> {
  const keys = (await admin?.keys(`${prefix}*`)) ?? [];
  if (keys.length > 0) await admin?.del(...keys);
}

after(async () => {
  await Promise.all([io?.quit(), nodeRedis?.quit(), admin?.quit()]);
});

/** `client` with a count of the commands the store sends through it (the cache's own connection excluded). */
function counting(client: RedisClientLike): { client: RedisClientLike; sent: () => number } {
  let sent = 0;
  const proxy = new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'call' || property === 'sendCommand') sent++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, sent: () => sent };
}

const drivers: [string, () => RedisClientLike][] = [
  ['ioredis', () => io as Redis],
  ['node-redis', () => nodeRedis as unknown as RedisClientLike],
];

/** Waits until the store's tracking connection is up (it opens asynchronously). */
async function tracked(store: RedisStore): Promise<void> {
  for (let i = 0; i < 200 && store.cacheStats()?.tracking !== true; i++) await sleep(10);
  assert.equal(store.cacheStats()?.tracking, true, 'tracking connection came up');
}

for (const [driver, client] of drivers) {
  describeStoreConformance({
    name: `redis(${driver}, cache)`,
    skip,
    createStore: () => {
      const prefix = `${uniqueName('cc-rcache')}:`;
      const store = redisStore({ client: client(), prefix, cache: {} });
      prefixes.set(store, prefix);
      return store;
    },
    async disposeStore(store) {
      await store.close();
      await dropPrefix(prefixes.get(store) ?? '\0none');
    },
  });

  describe(`redis(${driver}, cache) specifics`, skip === undefined ? {} : { skip }, () => {
    const fresh = async (cache: Parameters<typeof redisStore>[0]['cache'] = {}) => {
      const prefix = `${uniqueName('cc-rcache-x')}:`;
      const counted = counting(client());
      const store = redisStore({ client: counted.client, prefix, cache });
      after(async () => {
        await store.close();
        await dropPrefix(prefix);
      });
      await tracked(store);
      return { prefix, store, sent: counted.sent };
    };

    it(`redis(${driver}, cache): a read of an unchanged session makes 0 round trips`, async () => {
      const { store, sent } = await fresh();
      const key = randomKey();
      await store.create(key, sampleRecord({ data: { a: '"1"' } }));
      assert.deepEqual({ ...(await store.get(key))?.data }, { a: '"1"' });
      const before = sent();
      for (let i = 0; i < 10; i++) assert.deepEqual({ ...(await store.get(key))?.data }, { a: '"1"' });
      assert.equal(sent() - before, 0);
      const stats = store.cacheStats()!;
      assert.equal(stats.hits, 10);
      assert.equal(stats.entries, 1);
      // What coatcheck/otel reports as coatcheck.cache.lookups.
      assert.equal(store.cacheLookups?.().hits, 10);
    });

    it(`redis(${driver}, cache): a write through another connection is seen at the next read`, async () => {
      const { prefix, store } = await fresh();
      const other = redisStore({ client: admin as Redis, prefix });
      const key = randomKey();
      const record = sampleRecord({ data: { a: '"1"' } });
      await store.create(key, record);
      await store.get(key);
      await other.update(key, {
        set: { a: '"2"' },
        del: [],
        lastSeenAt: Date.now(),
        expiresAt: record.expiresAt,
      });
      assert.deepEqual({ ...(await store.get(key))?.data }, { a: '"2"' });
      await store.get(key);
      assert.equal(await other.delete(key), true);
      assert.equal(await store.get(key), undefined);
      assert.ok(store.cacheStats()!.invalidations >= 2);
    });

    it(`redis(${driver}, cache): a read started in the callback of another connection's delete reply misses`, async (t) => {
      const { prefix, store } = await fresh();
      const other = redisStore({ client: admin as Redis, prefix });
      let servedStale = 0;
      for (let i = 0; i < 200; i++) {
        const key = randomKey();
        await store.create(key, sampleRecord());
        await store.get(key);
        await store.get(key); // a hit: the copy is warm
        // The read starts in the same tick the delete's reply is handled, before any await.
        const read = other.delete(key).then(() => store.get(key));
        if ((await read) !== undefined) servedStale++;
      }
      t.diagnostic(`stale ${servedStale}`);
      assert.equal(servedStale, 0);
    });

    it(`redis(${driver}, cache): a killed tracking connection drops the copy; reads go to Redis until it is back`, async () => {
      const { prefix, store, sent } = await fresh();
      const key = randomKey();
      await store.create(key, sampleRecord());
      await store.get(key);
      assert.equal(store.cacheStats()!.entries, 1);
      const name = trackingName(`${prefix}s:`);
      const list = String(await (admin as Redis).call('CLIENT', 'LIST'));
      const id = list
        .split('\n')
        .find((line) => line.includes(` name=${name} `))
        ?.match(/^id=(\d+)/)?.[1];
      assert.ok(id, 'the tracking connection is listed under its name');
      await (admin as Redis).call('CLIENT', 'KILL', 'ID', id);
      for (let i = 0; i < 100 && store.cacheStats()!.tracking; i++) await sleep(5);
      const down = store.cacheStats()!;
      assert.equal(down.tracking, false);
      assert.equal(down.entries, 0);
      assert.equal(down.trackingLosses, 1);
      const before = sent();
      assert.ok(await store.get(key));
      assert.ok(await store.get(key));
      assert.equal(sent() - before, 2, 'both reads went to Redis while untracked');
      await tracked(store);
      await store.get(key); // fills again
      const filled = sent();
      assert.ok(await store.get(key));
      assert.equal(sent(), filled, 'served from the copy once tracking is back');
    });

    it(`redis(${driver}, cache): at most maxEntries records and about maxBytes are kept`, async () => {
      const { store } = await fresh({ maxEntries: 3 });
      for (let i = 0; i < 5; i++) {
        const key = randomKey();
        await store.create(key, sampleRecord());
        // The create's own invalidation, arriving after a read began, would spoil that read's fill.
        await sleep(20);
        await store.get(key);
      }
      const stats = store.cacheStats()!;
      assert.equal(stats.entries, 3);
      assert.equal(stats.evictions, 2);
      // About 1 200 estimated bytes each: 4 fit in 5 000.
      const small = await fresh({ maxBytes: 5000 });
      for (let i = 0; i < 5; i++) {
        const key = randomKey();
        await small.store.create(key, sampleRecord({ data: { big: `"${'x'.repeat(400)}"` } }));
        await sleep(20);
        await small.store.get(key);
      }
      assert.ok(small.store.cacheStats()!.bytes <= 5000);
      assert.equal(small.store.cacheStats()!.entries, 4);
    });
  });
}

describe('redis cache configuration', () => {
  it('redis(cache): refused on a node-redis cluster with a ConfigError naming the ioredis Cluster', () => {
    const nodeCluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7999' }] });
    assert.throws(
      () => redisStore({ client: nodeCluster as unknown as RedisClientLike, cache: {} }),
      (error: Error & { code?: string }) =>
        error.code === ErrorCodes.CONFIG && /cache.*Cluster needs an ioredis Cluster/.test(error.message),
    );
  });

  it('redis(cache): bounds must be positive integers', () => {
    for (const cache of [{ maxEntries: 0 }, { maxBytes: -1 }, { maxEntries: 1.5 }]) {
      assert.throws(
        () => redisStore({ client: new Redis({ lazyConnect: true }), cache }),
        (error: Error & { code?: string }) => error.code === ErrorCodes.CONFIG,
      );
    }
  });
});
