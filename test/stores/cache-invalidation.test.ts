import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createClient } from 'redis';
import type { Store } from '../../src/core/store.ts';
import { type CacheInvalidationOptions, cacheStore } from '../../src/stores/cache.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { postgresStore } from '../../src/stores/postgres.ts';
import { randomKey, randomUserId, sampleRecord, sleep } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

const skip = (await serviceSkipReason('postgres')) ?? (await serviceSkipReason('redis'));
const pool = skip === undefined ? new pg.Pool({ connectionString: serviceUrls.postgres }) : undefined;
const table = uniqueName('cc_cache_inv');
const closers: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const close of closers) await close();
  await pool?.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
  await pool?.end();
});

/** Pub/sub clients of one flavour, closed when the file ends. */
async function clients(
  flavour: 'ioredis' | 'node-redis',
): Promise<Omit<CacheInvalidationOptions, 'channel'>> {
  if (flavour === 'ioredis') {
    const publisher = new Redis(serviceUrls.redis);
    const subscriber = new Redis(serviceUrls.redis);
    closers.push(
      () => publisher.quit(),
      () => subscriber.quit(),
    );
    return { publisher, subscriber };
  }
  const publisher = createClient({ url: serviceUrls.redis });
  const subscriber = publisher.duplicate();
  await Promise.all([publisher.connect(), subscriber.connect()]);
  closers.push(
    () => publisher.close(),
    () => subscriber.close(),
  );
  return { publisher, subscriber };
}

/** Polls until `check` holds; resolves how long it took, or rejects after `limitMs`. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not observed within ${limitMs} ms`);
    await sleep(10);
  }
}

for (const flavour of ['ioredis', 'node-redis'] as const) {
  describe(`cache invalidation over Redis pub/sub (${flavour})`, skip === undefined ? {} : { skip }, () => {
    /** Two "processes": separate memory fronts over one back table, sharing one channel. */
    async function twoProcesses(): Promise<[Store, Store]> {
      const channel = uniqueName('cc:inv');
      const back = () => postgresStore({ pool: pool as pg.Pool, table });
      // A TTL far beyond the test: anything seen sooner came over pub/sub.
      const make = async () =>
        cacheStore({
          front: memoryStore(),
          back: back(),
          cacheTtlMs: 600_000,
          invalidation: { ...(await clients(flavour)), channel },
        });
      return [await make(), await make()];
    }

    it(`${flavour}: a delete in process A reaches process B's front at once`, async () => {
      const [a, b] = await twoProcesses();
      const key = randomKey();
      await a.create(key, sampleRecord());
      assert.notEqual(await b.get(key), undefined);
      assert.notEqual(await b.get(key), undefined, 'cached in b');
      await a.delete(key);
      await within(2_000, async () => (await b.get(key)) === undefined);
      await a.close();
      await b.close();
    });

    it(`${flavour}: an update in A is read by B, and a revoke-all in A empties B's cache`, async () => {
      const [a, b] = await twoProcesses();
      const user = randomUserId();
      const [k1, k2, kept] = [randomKey(), randomKey(), randomKey()];
      for (const key of [k1, k2, kept]) await a.create(key, sampleRecord({ userId: user, data: { v: '1' } }));
      for (const key of [k1, k2, kept]) assert.equal((await b.get(key))?.data.v, '1');
      const now = Date.now();
      await a.update(k1, { set: { v: '2' }, del: [], lastSeenAt: now, expiresAt: now + 60_000 });
      await within(2_000, async () => (await b.get(k1))?.data.v === '2');
      assert.equal(await a.deleteByUser?.(user, kept), 2);
      await within(2_000, async () => (await b.get(k1)) === undefined && (await b.get(k2)) === undefined);
      assert.notEqual(await b.get(kept), undefined);
      await a.close();
      await b.close();
    });
  });
}
