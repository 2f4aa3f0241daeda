/**
 * The caching tier over the filesystem store (a back store that implements the whole contract
 * and can be shared by several tiers, as processes share a database): conformance with a memory
 * and a Redis front, and the rules that keep a front from serving a rotated-away or ended session.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Store } from '../../src/core/store.ts';
import { cacheStore } from '../../src/stores/cache.ts';
import { fsStore } from '../../src/stores/fs.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { patchOf } from '../../src/testing/conformance-basics.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { randomKey, randomUserId, sampleRecord, sleep } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

const root = mkdtempSync(join(tmpdir(), 'coatcheck-cache-fs-'));
let dirs = 0;
const freshDir = () => join(root, `d${++dirs}`);
const redisSkip = await serviceSkipReason('redis');
const clients: Redis[] = [];
const redis = () => {
  const client = new Redis(serviceUrls.redis);
  clients.push(client);
  return client;
};
after(() => {
  for (const client of clients) client.disconnect();
  rmSync(root, { recursive: true, force: true });
});

describeStoreConformance({
  name: 'cache(memory→fs)',
  createStore: () => cacheStore({ front: memoryStore(), back: fsStore({ directory: freshDir() }) }),
});
describeStoreConformance({
  name: 'cache(redis→fs)',
  skip: redisSkip,
  createStore: () =>
    cacheStore({
      front: redisStore({ client: redis(), prefix: `${uniqueName('cc_front')}:` }),
      back: fsStore({ directory: freshDir() }),
    }),
});

/** A tier with a memory front and a long TTL (anything seen sooner came from an invalidation). */
const tierOver = (directory: string, extra: Partial<Parameters<typeof cacheStore>[0]> = {}) =>
  cacheStore({ front: memoryStore(), back: fsStore({ directory }), cacheTtlMs: 60_000, ...extra });

/** Whether `key` reads as a live session through `store`. */
async function isLive(store: Store, key: string): Promise<boolean> {
  const record = await store.get(key);
  return record !== undefined && record.expiresAt > Date.now();
}

describe('cache(memory→fs): no front serves a rotated-away or ended session', () => {
  it('reports expired records exactly when the back store does', () => {
    assert.equal(tierOver(freshDir()).reportsExpired, true);
    assert.equal(cacheStore({ front: memoryStore(), back: tierOver(freshDir()) }).reportsExpired, true);
    const back = { ...memoryStore(), reportsExpired: false };
    assert.equal(cacheStore({ front: memoryStore(), back }).reportsExpired, undefined);
  });

  it('a read of the old key in its grace window is not cached: a logout through the new key ends it at once', async () => {
    const store = tierOver(freshDir());
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ data: { a: '1' } }));
    assert.ok(await isLive(store, oldKey), 'cached under the old key');
    await store.rotate(oldKey, newKey, rotationOf({ readableUntil: Date.now() + 30_000 }));
    assert.equal((await store.get(oldKey))?.data.rotated, '"yes"', 'the grace read sees the new record');
    assert.ok(await isLive(store, newKey));
    assert.equal(await store.delete(newKey), true);
    assert.equal(await store.get(oldKey), undefined, 'the old ticket reads the ended session as gone');
    await store.close();
  });

  it('a delete or a write through the old key reaches the cached new key at once', async () => {
    const store = tierOver(freshDir());
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ data: {} }));
    await store.rotate(oldKey, newKey, rotationOf({ patch: { set: {}, del: [] } }));
    assert.deepStrictEqual((await store.get(newKey))?.data, {}, 'cached under the new key');
    assert.equal(await store.update(oldKey, patchOf({ late: '1' })), true);
    assert.deepStrictEqual((await store.get(newKey))?.data, { late: '1' }, 'the forwarded write is read');
    assert.equal(await store.delete(oldKey), true);
    assert.equal(await store.get(newKey), undefined, 'the delete through the old key ended the new one');
    await store.close();
  });

  it('a session a user limit evicts is not served from the front', async () => {
    const store = tierOver(freshDir());
    const user = randomUserId();
    const [first, second] = [randomKey(), randomKey()];
    const limit = { max: 1, onLimit: 'evictOldest' } as const;
    await store.create(first, sampleRecord({ userId: user, lastSeenAt: Date.now() - 5000 }), limit);
    assert.ok(await isLive(store, first), 'cached');
    assert.equal(await store.create(second, sampleRecord({ userId: user }), limit), true);
    assert.equal(await store.get(first), undefined, 'the evicted session reads as gone');
    const third = randomKey();
    await store.create(third, sampleRecord());
    assert.ok(await isLive(store, second), 'cached');
    assert.equal(await store.rotate(third, randomKey(), rotationOf({ limit }, user)), 'rotated');
    assert.equal(await store.get(second), undefined, 'evicted by a login rotation too');
    await store.close();
  });

  it('a rotation whose front invalidation fails makes reads skip the front until cacheTtlMs', async () => {
    const directory = freshDir();
    const front = memoryStore();
    let frontDown = false;
    // A real memory store whose deletes fail on demand, as an unreachable Redis front's would.
    const flaky: Store = {
      ...front,
      delete: (key) => (frontDown ? Promise.reject(new Error('ECONNREFUSED')) : front.delete(key)),
    };
    const store = cacheStore({ front: flaky, back: fsStore({ directory }), cacheTtlMs: 60_000 });
    const elsewhere = tierOver(directory); // another process, no pub/sub between them
    const key = randomKey();
    await store.create(key, sampleRecord());
    assert.ok(await isLive(store, key), 'cached');
    assert.equal(await elsewhere.delete(key), true, 'logged out in the other process');
    frontDown = true;
    assert.equal(await store.rotate(key, randomKey(), rotationOf()), 'gone', 'the rotation learns it');
    frontDown = false;
    assert.notEqual(await front.get(key), undefined, 'the front still holds the stale entry');
    assert.equal(await store.get(key), undefined, 'but it is not served');
    await store.close();
  });
});

describe(
  'cache(memory→fs): rotations reach other processes over pub/sub',
  redisSkip ? { skip: redisSkip } : {},
  () => {
    it('a rotation in A: B drops the old key, never caches it, and sees endings through either key', async () => {
      const directory = freshDir();
      const channel = uniqueName('cc:inv');
      const [a, b] = [0, 1].map(() =>
        tierOver(directory, { invalidation: { publisher: redis(), subscriber: redis(), channel } }),
      ) as [Store, Store];
      /** Polls until `check` holds, failing after two seconds. */
      const soon = async (check: () => Promise<boolean>, what: string) => {
        for (const deadline = Date.now() + 2000; !(await check()); await sleep(10)) {
          if (Date.now() > deadline) assert.fail(`not seen within 2 s: ${what}`);
        }
      };
      const [oldKey, newKey] = [randomKey(), randomKey()];
      await a.create(oldKey, sampleRecord({ data: { a: '1' } }));
      assert.ok(await isLive(b, oldKey), 'cached in B');
      await a.rotate(oldKey, newKey, rotationOf({ readableUntil: Date.now() + 30_000 }));
      await soon(async () => (await b.get(oldKey))?.data.rotated === '"yes"', 'B reads the old key anew');
      assert.ok(await isLive(b, newKey), 'the new key cached in B');
      assert.equal(await a.delete(newKey), true);
      await soon(async () => !(await isLive(b, oldKey)) && !(await isLive(b, newKey)), 'B sees the logout');

      const [next, nextKey] = [randomKey(), randomKey()];
      await a.create(next, sampleRecord());
      assert.ok(await isLive(b, next), 'cached in B');
      await a.rotate(next, nextKey, rotationOf({ readableUntil: Date.now() + 30_000 }));
      // The message that drops the old key carries the move: once B reads anew, it knows the move.
      await soon(async () => (await b.get(next))?.data.rotated === '"yes"', 'B reads the old key anew');
      assert.ok(await isLive(b, nextKey), 'cached in B');
      assert.equal(await b.delete(next), true, 'a logout in B through the old ticket');
      await soon(async () => !(await isLive(a, nextKey)), 'A drops the new key');
      assert.equal(await b.get(nextKey), undefined, 'B dropped the new key itself at once');
      await a.close();
      await b.close();
    });
  },
);
