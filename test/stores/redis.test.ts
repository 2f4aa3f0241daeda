/**
 * Redis store on a real standalone Redis: the conformance suite with an ioredis client and with a
 * node-redis client, then what is specific to Redis (key layout, native TTL, the user index's
 * dangling members, NOSCRIPT fallback, commands per operation).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { ErrorCodes } from '../../src/core/errors.ts';
import type { Store } from '../../src/core/store.ts';
import { type IoRedisLike, redisStore } from '../../src/stores/redis.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { randomKey, randomUserId, sampleRecord, sleep } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

const skip = await serviceSkipReason('redis');
const io = skip === undefined ? new Redis(serviceUrls.redis, { lazyConnect: false }) : undefined;
const nodeRedis = skip === undefined ? await createClient({ url: serviceUrls.redis }).connect() : undefined;
const prefixes = new Map<Store, string>();

/** Deletes every key under `prefix` (tests leave nothing behind). */
async function dropPrefix(prefix: string): Promise<void> {
  if (!io) return;
  const keys = await io.keys(`${prefix}*`);
  if (keys.length > 0) await io.del(...keys);
}

after(async () => {
  await io?.quit();
  await nodeRedis?.quit();
});

function conformance(name: string, client: () => Parameters<typeof redisStore>[0]['client']) {
  describeStoreConformance({
    name,
    skip,
    createStore: () => {
      const prefix = `${uniqueName('cc-redis')}:`;
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

conformance('redis(ioredis)', () => io as Redis);
conformance('redis(node-redis)', () => nodeRedis as unknown as Parameters<typeof redisStore>[0]['client']);

describe('redis store specifics', skip === undefined ? {} : { skip }, () => {
  const fresh = () => {
    const prefix = `${uniqueName('cc-redis-x')}:`;
    after(() => dropPrefix(prefix));
    return { prefix, store: redisStore({ client: io as Redis, prefix }) };
  };

  it('rejects a client that is neither ioredis nor node-redis, naming the option', () => {
    for (const client of [undefined, {}, { get() {} }]) {
      assert.throws(
        () => redisStore({ client: client as never }),
        (error: { code?: string; message?: string }) =>
          error.code === ErrorCodes.CONFIG && /`client`/.test(error.message ?? ''),
      );
    }
  });

  it('keeps one hash per session with prefixed data fields, PEXPIREAT at expiresAt, and a user set', async () => {
    const { prefix, store } = fresh();
    const key = randomKey();
    const userId = randomUserId();
    const record = sampleRecord({ userId, data: { 'm:e': '"not metadata"', cart: '[1]' } });
    assert.equal(await store.create(key, record), true);
    const hash = await (io as Redis).hgetall(`${prefix}s:${key}`);
    assert.deepStrictEqual(hash, {
      'm:c': String(record.createdAt),
      'm:l': String(record.lastSeenAt),
      'm:e': String(record.expiresAt),
      'm:a': String(record.absoluteExpiresAt),
      'm:r': '1',
      'm:u': userId,
      'd:m:e': '"not metadata"',
      'd:cart': '[1]',
    });
    assert.equal(Number(await (io as Redis).call('PEXPIRETIME', `${prefix}s:${key}`)), record.expiresAt);
    assert.deepStrictEqual(await (io as Redis).zrange(`${prefix}u:${userId}`, '0', '-1'), [key]);
    const indexTtl = await (io as Redis).pttl(`${prefix}u:${userId}`);
    assert.ok(indexTtl > record.absoluteExpiresAt - Date.now() - 5_000, `index TTL ${indexTtl} too short`);
    assert.equal((await store.get(key))?.expiresAt, record.expiresAt);
  });

  it('lets Redis itself forget an expired session (native TTL)', async () => {
    const { prefix, store } = fresh();
    const key = randomKey();
    await store.create(key, sampleRecord({ expiresAt: Date.now() + 200 }));
    assert.equal(await (io as Redis).exists(`${prefix}s:${key}`), 1);
    await sleep(450);
    assert.equal(await (io as Redis).exists(`${prefix}s:${key}`), 0);
  });

  it('never lists a session whose hash is gone or moved to another user, and prunes old dangling members', async () => {
    const { prefix, store } = fresh();
    const userId = randomUserId();
    const [live, vanished, moved] = [randomKey(), randomKey(), randomKey()];
    for (const key of [live, vanished, moved]) await store.create(key, sampleRecord({ userId }));
    await (io as Redis).del(`${prefix}s:${vanished}`); // as if Redis expired it
    await (io as Redis).hset(`${prefix}s:${moved}`, 'm:u', 'someone-else'); // as if a move was in flight
    const index = `${prefix}u:${userId}`;
    assert.deepStrictEqual(
      (await store.listByUser(userId)).map((e) => e.key),
      [live],
    );
    // Members younger than the grace period may belong to a create in flight: kept.
    assert.equal(await (io as Redis).zcard(index), 3);
    await (io as Redis).zadd(index, '1', vanished, '1', moved);
    assert.deepStrictEqual(
      (await store.listByUser(userId)).map((e) => e.key),
      [live],
    );
    assert.deepStrictEqual(await (io as Redis).zrange(index, '0', '-1'), [live]);
    // deleteByUser leaves another user's session alone.
    await store.create(vanished, sampleRecord({ userId: 'someone-else' }));
    await (io as Redis).zadd(index, '1', vanished);
    assert.equal(await store.deleteByUser(userId), 1);
    assert.equal((await store.get(vanished))?.userId, 'someone-else');
    assert.equal((await store.get(moved))?.userId, 'someone-else');
    assert.equal(await store.get(live), undefined);
  });

  it('purgeExpired returns 0 and removes old dangling index members', async () => {
    const { prefix, store } = fresh();
    const userId = randomUserId();
    const [gone, kept] = [randomKey(), randomKey()];
    await store.create(gone, sampleRecord({ userId }));
    await store.create(kept, sampleRecord({ userId }));
    await (io as Redis).del(`${prefix}s:${gone}`);
    await (io as Redis).zadd(`${prefix}u:${userId}`, '1', gone, '1', kept);
    assert.equal(await store.purgeExpired(), 0);
    assert.deepStrictEqual(await (io as Redis).zrange(`${prefix}u:${userId}`, '0', '-1'), [kept]);
  });

  it('scan with limit 1 returns every key once (pages never exceed the limit), and rejects a foreign cursor', async () => {
    const { store } = fresh();
    const keys = Array.from({ length: 30 }, randomKey);
    for (const key of keys) await store.create(key, sampleRecord());
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.scan({ cursor, limit: 1 });
      assert.ok(page.entries.length <= 1, `a page of limit 1 held ${page.entries.length}`);
      seen.push(...page.entries.map((entry) => entry.key));
      cursor = page.cursor;
    } while (cursor !== undefined);
    assert.deepStrictEqual(seen.sort(), keys.sort());
    await assert.rejects(
      store.scan({ cursor: 'not-a-cursor', limit: 5 }),
      (error: { code?: string }) => error.code === ErrorCodes.CONFIG,
    );
  });

  it('scan returns every key that exists throughout while the keyspace grows between pages (rehashing)', async () => {
    // A database of its own, so its keyspace table starts small and grows (and rehashes) only
    // because of this test: a SCAN cursor then covers other buckets than it did a page earlier.
    const db = new Redis(serviceUrls.redis, { db: 7 });
    after(async () => {
      await db.flushdb();
      await db.quit();
    });
    const store = redisStore({ client: db, prefix: 'scan-grow:' });
    for (let round = 0; round < 5; round++) {
      await db.flushdb();
      const keys = Array.from({ length: 24 }, randomKey);
      for (const key of keys) await store.create(key, sampleRecord());
      const seen = new Set<string>();
      let cursor: string | undefined;
      let filler = 0;
      do {
        const page = await store.scan({ cursor, limit: 2 });
        for (const entry of page.entries) seen.add(entry.key);
        cursor = page.cursor;
        // Grow the table between the first pages (past two doublings), with keys that are not
        // records of this store; a table that grew on every page would never be scanned through.
        if (filler < 160) {
          const batch = db.pipeline();
          for (let i = 0; i < 32; i++) batch.set(`filler:${round}:${filler++}`, '1');
          await batch.exec();
        }
      } while (cursor !== undefined);
      const missed = keys.filter((key) => !seen.has(key));
      assert.deepStrictEqual(missed, [], `round ${round}: ${missed.length} of 24 keys never returned`);
    }
  });

  it('falls back to EVAL when the server lost its scripts (NOSCRIPT)', async () => {
    const { store } = fresh();
    const key = randomKey();
    await (io as Redis).script('FLUSH');
    assert.equal(await store.create(key, sampleRecord()), true);
    await (io as Redis).script('FLUSH');
    assert.equal(
      await store.update(key, { set: { a: '1' }, del: [], lastSeenAt: 1, expiresAt: Date.now() + 60_000 }),
      true,
    );
    assert.equal((await store.get(key))?.rev, 2);
  });

  it('sends one command per get, anonymous create, update and touch; two for a create with a user', async () => {
    const commands: string[] = [];
    const client = io as Redis;
    const counting: IoRedisLike = {
      evalsha: client.evalsha.bind(client) as IoRedisLike['evalsha'],
      defineCommand: client.defineCommand.bind(client) as IoRedisLike['defineCommand'],
      call(command, ...args) {
        commands.push(command);
        return client.call(command, ...args);
      },
    };
    const prefix = `${uniqueName('cc-redis-rt')}:`;
    after(() => dropPrefix(prefix));
    const store = redisStore({ client: counting, prefix });
    const steps = (key: string): [string, () => Promise<unknown>, number][] => [
      ['create', () => store.create(key, sampleRecord()), 1],
      ['get', () => store.get(key), 1],
      [
        'update',
        () =>
          store.update(key, { set: { a: '1' }, del: ['b'], lastSeenAt: 1, expiresAt: Date.now() + 60_000 }),
        1,
      ],
      ['touch', () => store.touch(key, { lastSeenAt: 2, expiresAt: Date.now() + 60_000 }), 1],
      ['create with user', () => store.create(randomKey(), sampleRecord({ userId: randomUserId() })), 2],
      ['delete', () => store.delete(key), 1],
    ];
    // A first pass loads the scripts (another test may have flushed them: EVALSHA then EVAL).
    for (const [, step] of steps(randomKey())) await step();
    for (const [name, step, expected] of steps(randomKey())) {
      commands.length = 0;
      await step();
      assert.equal(commands.length, expected, `${name} sent ${commands.join(', ')}`);
    }
  });
});
