/**
 * Redis store on a real 3-master Redis Cluster started for this file: the conformance suite with
 * an ioredis `Cluster` and a node-redis `createCluster`, proof that sessions really spread over
 * several masters while the user index still finds and deletes all of them, and the lifecycle
 * rules across slots: each rotation interleaving forced with old key, new key and user index on
 * three different masters, 50 randomized rounds of rotation vs delete and vs deleteByUser, and
 * user limits under 50 parallel creates whose sessions land on every master; and client-side
 * caching with one tracking connection per master (ioredis), logout across processes included.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import type { Store } from '../../src/core/store.ts';
import { type RedisClientLike, redisStore } from '../../src/stores/redis.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { randomKey, randomUserId, sampleRecord, sleep } from '../../src/testing/records.ts';
import {
  type RedisClusterHandle,
  redisClusterAvailable,
  startRedisCluster,
} from '../support/redis-cluster.ts';
import { servicesRequired, uniqueName } from '../support/services.ts';
import { type CacheApp, revocationRounds, startCacheApp } from './redis-cache-apps.ts';
import { describeRedisInterleavings, spreadKeys } from './redis-interleavings.ts';

let skip: string | undefined;
if (!(await redisClusterAvailable())) {
  if (servicesRequired)
    throw new Error('redis-server/redis-cli not found and COATCHECK_REQUIRE_SERVICES=1 is set');
  skip = 'redis-server and redis-cli are not installed';
  console.log(`# SKIP redis cluster suites: ${skip}`);
}
const cluster: RedisClusterHandle | undefined = skip === undefined ? await startRedisCluster() : undefined;
const nodes = cluster?.nodes ?? [];
const io = cluster ? new Cluster(nodes.map(({ host, port }) => ({ host, port }))) : undefined;
const nodeRedis = cluster
  ? await createCluster({
      rootNodes: nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
    }).connect()
  : undefined;
after(async () => {
  await io?.quit();
  await nodeRedis?.close();
  await cluster?.stop();
});

const prefixes = new Map<Store, string>();

/** Deletes every key under `prefix` on every master. */
async function dropPrefix(prefix: string): Promise<void> {
  if (!io) return;
  for (const node of io.nodes('master')) {
    const keys = await node.keys(`${prefix}*`);
    for (const key of keys) await io.del(key);
  }
}

function conformance(name: string, client: () => RedisClientLike, cache?: object) {
  describeStoreConformance({
    name,
    skip,
    createStore: () => {
      const prefix = `${uniqueName('cc-rc')}:`;
      const store = redisStore({ client: client(), prefix, ...(cache === undefined ? {} : { cache }) });
      prefixes.set(store, prefix);
      return store;
    },
    async disposeStore(store) {
      await store.close();
      await dropPrefix(prefixes.get(store) ?? '\0none');
    },
  });
}

conformance('redis-cluster(ioredis)', () => io as Cluster);
conformance('redis-cluster(node-redis)', () => nodeRedis as unknown as RedisClientLike);
conformance('redis-cluster(ioredis, cache)', () => io as Cluster, { maxEntries: 1000 });

describe('redis store on a 3-master cluster', skip === undefined ? {} : { skip }, () => {
  for (const [driver, client] of [
    ['ioredis', () => io as Cluster],
    ['node-redis', () => nodeRedis as unknown as RedisClientLike],
  ] as const) {
    it(`${driver}: one user's 30 sessions spread over every master; list, count and deleteByUser see all`, async () => {
      const prefix = `${uniqueName('cc-rc-spread')}:`;
      after(() => dropPrefix(prefix));
      const store = redisStore({ client: client(), prefix });
      const userId = randomUserId();
      const keys = Array.from({ length: 30 }, randomKey).sort();
      for (const key of keys) assert.equal(await store.create(key, sampleRecord({ userId })), true);
      const perMaster = await Promise.all(
        (io as Cluster).nodes('master').map(async (node) => (await node.keys(`${prefix}s:*`)).length),
      );
      assert.equal(perMaster.length, 3);
      assert.ok(
        perMaster.every((n) => n > 0),
        `sessions per master: ${perMaster.join(', ')}`,
      );
      assert.equal(await store.count(), 30);
      assert.deepStrictEqual((await store.listByUser(userId)).map((entry) => entry.key).sort(), keys);
      assert.equal(await store.deleteByUser(userId, keys[0]), 29);
      assert.equal(await store.count(), 1);
      for (const key of keys.slice(1)) assert.equal(await store.get(key), undefined);
      assert.deepStrictEqual(
        (await store.listByUser(userId)).map((entry) => entry.key),
        [keys[0]],
      );
    });
  }
});

describeRedisInterleavings('redis-cluster', () => io as Cluster, skip);

describe('redis store lifecycle across slots', skip === undefined ? {} : { skip }, () => {
  const ROUNDS = 50;
  const fresh = () => {
    const prefix = `${uniqueName('cc-rc-life')}:`;
    after(() => dropPrefix(prefix));
    return { prefix, store: redisStore({ client: io as Cluster, prefix }) };
  };
  const rotation = (userId: string) => {
    const { data: _data, ...record } = sampleRecord({ userId });
    const now = Date.now();
    const patch = { set: { rotated: '1' }, del: [] };
    return { record, patch, readableUntil: now, forwardWrites: true, forwardUntil: now + 60_000 };
  };
  const live = async (store: Store, key: string) => {
    const record = await store.get(key);
    return record !== undefined && record.expiresAt > Date.now();
  };
  const jitter = () => sleep(Math.floor(Math.random() * 4));

  for (const ending of ['delete', 'deleteByUser'] as const) {
    it(`${ending} racing a rotation, ${ROUNDS} rounds, old/new/index on three masters: nothing live`, async () => {
      const { prefix, store } = fresh();
      const outcomes = new Map<string, number>();
      // The ending starts at a delay swept from 0 to twice the slowest rotation seen so far on this
      // machine, so both orders (and the steps in between) happen however loaded the machine is.
      const warm = await spreadKeys(io as Cluster, prefix);
      await store.create(warm.oldKey, sampleRecord({ userId: warm.userId }));
      let started = performance.now();
      await store.rotate(warm.oldKey, warm.newKey, rotation(warm.userId));
      let span = performance.now() - started;
      for (let round = 0; round < ROUNDS; round++) {
        const { userId, oldKey, newKey } = await spreadKeys(io as Cluster, prefix);
        await store.create(oldKey, sampleRecord({ userId }));
        const delay = ((round % 10) / 9) * 2 * span;
        const [outcome] = await Promise.all([
          jitter().then(async () => {
            started = performance.now();
            const rotated = await store.rotate(oldKey, newKey, rotation(userId));
            span = Math.max(span, performance.now() - started);
            return rotated;
          }),
          sleep(delay).then(
            (): Promise<unknown> => (ending === 'delete' ? store.delete(oldKey) : store.deleteByUser(userId)),
          ),
        ]);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        assert.ok(outcome === 'rotated' || outcome === 'gone', `round ${round}: ${outcome}`);
        assert.equal(await live(store, oldKey), false, `round ${round}: old key live after ${outcome}`);
        assert.equal(await live(store, newKey), false, `round ${round}: new key live after ${outcome}`);
        assert.deepStrictEqual(await store.listByUser(userId), [], `round ${round}: still listed`);
      }
      // Both orders happened, or the race was not a race.
      assert.ok(
        (outcomes.get('rotated') ?? 0) > 0 && (outcomes.get('gone') ?? 0) > 0,
        JSON.stringify([...outcomes]),
      );
    });
  }

  for (const onLimit of ['reject', 'evictOldest'] as const) {
    it(`50 parallel creates for one user, limit 5 (${onLimit}), sessions on every master`, async () => {
      const { prefix, store } = fresh();
      const userId = randomUserId();
      const keys = Array.from({ length: 50 }, randomKey);
      const masters = new Set(
        await Promise.all(
          keys.map(async (key) => {
            const slot = Number(await (io as Cluster).call('CLUSTER', 'KEYSLOT', `${prefix}s:${key}`));
            return (io as Cluster).slots[slot]?.[0];
          }),
        ),
      );
      assert.equal(masters.size, 3, 'the 50 sessions must spread over the 3 masters');
      const limit = { max: 5, onLimit } as const;
      const outcomes = await Promise.all(
        keys.map((key) => store.create(key, sampleRecord({ userId }), limit)),
      );
      const liveKeys = [];
      for (const key of keys) if (await live(store, key)) liveKeys.push(key);
      if (onLimit === 'reject') {
        assert.equal(outcomes.filter((o) => o === true).length, 5, outcomes.join(','));
        assert.equal(liveKeys.length, 5);
      } else {
        assert.deepStrictEqual(outcomes, Array(50).fill(true));
        assert.ok(liveKeys.length >= 1 && liveKeys.length <= 5, `${liveKeys.length} live`);
      }
      const listed = (await store.listByUser(userId)).map((entry) => entry.key).sort();
      assert.deepStrictEqual(listed, liveKeys.sort());
    });
  }
});

describe(
  'redis client-side caching on a 3-master cluster (ioredis)',
  skip === undefined ? {} : { skip },
  () => {
    const apps: CacheApp[] = [];
    after(() => {
      for (const app of apps) app.child.kill('SIGTERM');
    });

    it('ioredis cluster cache: a write on any master invalidates the copy; a hit makes no round trip', async () => {
      const prefix = `${uniqueName('cc-rc-cache')}:`;
      after(() => dropPrefix(prefix));
      const cached = redisStore({ client: io as Cluster, prefix, cache: {} });
      const writer = redisStore({ client: io as Cluster, prefix });
      const keys = Array.from({ length: 30 }, randomKey);
      for (const key of keys)
        assert.equal(await writer.create(key, sampleRecord({ data: { n: '"0"' } })), true);
      const perMaster = await Promise.all(
        (io as Cluster).nodes('master').map(async (node) => (await node.keys(`${prefix}s:*`)).length),
      );
      assert.ok(
        perMaster.length === 3 && perMaster.every((n) => n > 0),
        `per master: ${perMaster.join(', ')}`,
      );
      const deadline = Date.now() + 10_000;
      await cached.get(keys[0]!);
      while (!cached.cacheStats()?.tracking && Date.now() < deadline) await sleep(20);
      assert.equal(cached.cacheStats()?.tracking, true, 'tracking up on every master');
      for (const key of keys) await cached.get(key);
      const warm = cached.cacheStats()!;
      for (const key of keys) assert.equal((await cached.get(key))?.data.n, '"0"');
      assert.equal(cached.cacheStats()!.hits - warm.hits, 30, 'every second read answered from the copy');
      // Another store instance (no cache) writes every key: each master reports its own keys.
      for (const key of keys) {
        const now = Date.now();
        assert.equal(
          await writer.update(key, { set: { n: '"1"' }, del: [], lastSeenAt: now, expiresAt: now + 60_000 }),
          true,
        );
      }
      await sleep(50);
      for (const key of keys)
        assert.equal((await cached.get(key))?.data.n, '"1"', 'no stale copy on any master');
      assert.ok(cached.cacheStats()!.invalidations >= 30);
      await cached.close();
      await writer.close();
    });

    it('ioredis cluster cache: a killed tracking connection on one master drops the copy until tracking is back', async () => {
      const prefix = `${uniqueName('cc-rc-kill')}:`;
      after(() => dropPrefix(prefix));
      const cached = redisStore({ client: io as Cluster, prefix, cache: {} });
      const key = randomKey();
      assert.equal(await cached.create(key, sampleRecord()), true);
      const up = async () => {
        const deadline = Date.now() + 10_000;
        while (!cached.cacheStats()?.tracking && Date.now() < deadline) await sleep(20);
        assert.equal(cached.cacheStats()?.tracking, true);
      };
      await cached.get(key);
      await up();
      await cached.get(key);
      const hits = cached.cacheStats()!.hits;
      await cached.get(key);
      assert.equal(cached.cacheStats()!.hits, hits + 1, 'served from the copy');
      const master = (io as Cluster).nodes('master')[1]!;
      const killed = await master.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      assert.ok(Number(killed) >= 1, 'the tracking connection of that master was killed');
      const deadline = Date.now() + 5_000;
      while (cached.cacheStats()!.trackingLosses === 0 && Date.now() < deadline) await sleep(10);
      assert.equal(cached.cacheStats()!.trackingLosses, 1);
      assert.equal(cached.cacheStats()!.entries, 0, 'the copy was dropped');
      await up();
      await cached.get(key);
      const refilled = cached.cacheStats()!.hits;
      await cached.get(key);
      assert.equal(cached.cacheStats()!.hits, refilled + 1, 'serving from the copy again');
      await cached.close();
    });

    it("ioredis cluster cache: 1 000 requests on B right after A's logout response, 0 served as logged in", async (t) => {
      const prefix = `${uniqueName('cc-rc-mp')}:`;
      after(() => dropPrefix(prefix));
      const addresses = nodes.map(({ host, port }) => `${host}:${port}`).join(',');
      const [a, b] = await Promise.all([
        startCacheApp('ioredis-cluster', prefix, addresses),
        startCacheApp('ioredis-cluster', prefix, addresses),
      ]);
      apps.push(a, b);
      const figures = await revocationRounds(a, b, 200, 5);
      t.diagnostic(JSON.stringify(figures));
      assert.equal(figures.requestsAfterLogout, 1000);
      assert.ok(figures.invalidationsOnB >= 200, 'B heard of every logout');
    });
  },
);
