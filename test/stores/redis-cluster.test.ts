/**
 * Redis store on a real 3-master Redis Cluster started for this file: the conformance suite with
 * an ioredis `Cluster` and a node-redis `createCluster`, and proof that sessions really spread
 * over several masters while the user index still finds and deletes all of them.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import type { Store } from '../../src/core/store.ts';
import { type RedisClientLike, redisStore } from '../../src/stores/redis.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { randomKey, randomUserId, sampleRecord } from '../../src/testing/records.ts';
import {
  type RedisClusterHandle,
  redisClusterAvailable,
  startRedisCluster,
} from '../support/redis-cluster.ts';
import { servicesRequired, uniqueName } from '../support/services.ts';

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

function conformance(name: string, client: () => RedisClientLike) {
  describeStoreConformance({
    name,
    skip,
    createStore: () => {
      const prefix = `${uniqueName('cc-rc')}:`;
      const store = redisStore({ client: client(), prefix });
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
