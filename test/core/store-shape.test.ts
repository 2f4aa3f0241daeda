/**
 * `assertStore` with the real objects people pass by mistake: driver clients constructed without
 * connecting (ioredis `lazyConnect`, node-redis before `connect()`, pg, mysql2, better-sqlite3,
 * memcache-client), express-session stores, a Map, a Promise, a factory not called, and every
 * store of this package, which must pass.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { RedisStore } from 'connect-redis';
import { Cluster, Redis } from 'ioredis';
import { MemcacheClient } from 'memcache-client';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { createClient, createCluster } from 'redis';
import { ConfigError, ErrorCodes } from '../../src/core/errors.ts';
import type { Store } from '../../src/core/store.ts';
import { assertStore, storeProblem } from '../../src/core/store-shape.ts';
import { cacheStore } from '../../src/stores/cache.ts';
import { storeFromUrl } from '../../src/stores/from-url.ts';
import { fsStore } from '../../src/stores/fs.ts';
import { memcachedStore } from '../../src/stores/memcached.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { mysqlStore } from '../../src/stores/mysql.ts';
import { postgresStore } from '../../src/stores/postgres.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';

// Loaded untyped on purpose, as in test/migration: @types/express-session would redeclare `req.session`.
const { MemoryStore } = createRequire(import.meta.url)('express-session') as {
  MemoryStore: new () => object;
};

/** Nothing listens here: clients that try to connect fail at once instead of reaching a server. */
const NOWHERE = { host: '127.0.0.1', port: 1 };

function assertRefused(value: unknown, message: RegExp): void {
  assert.throws(
    () => assertStore(value),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, 'a ConfigError');
      assert.equal(error.code, ErrorCodes.CONFIG);
      assert.match(error.message, /^Option `store` /);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('assertStore: the mistakes it recognises, with the fix', () => {
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  test('nothing at all', () => {
    assertRefused(undefined, /is required: pass a Store, e\.g\. `memoryStore\(\)`/);
    assertRefused(null, /is required/);
  });

  test('an ioredis client and an ioredis Cluster (lazyConnect)', () => {
    const client = new Redis({ ...NOWHERE, lazyConnect: true });
    const cluster = new Cluster([NOWHERE], { lazyConnect: true });
    closers.push(
      () => client.disconnect(),
      () => cluster.disconnect(),
    );
    assertRefused(
      client,
      /looks like an ioredis client: pass `redisStore\(\{ client \}\)` from coatcheck\/stores\/redis/,
    );
    assertRefused(cluster, /looks like an ioredis Cluster: pass `redisStore\(\{ client \}\)`/);
  });

  test('a node-redis client and cluster, not connected yet', () => {
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] });
    assertRefused(
      client,
      /looks like a node-redis client: pass `redisStore\(\{ client \}\)` from coatcheck\/stores\/redis \(after `await client\.connect\(\)`\)/,
    );
    assertRefused(cluster, /looks like a node-redis cluster: pass `redisStore\(\{ client \}\)`/);
  });

  test('a pg Pool and a pg Client', () => {
    const pool = new pg.Pool({ ...NOWHERE });
    closers.push(() => pool.end());
    assertRefused(
      pool,
      /looks like a pg Pool: pass `postgresStore\(\{ pool \}\)` from coatcheck\/stores\/postgres/,
    );
    assertRefused(
      new pg.Client({ ...NOWHERE }),
      /looks like a pg Client: pass `postgresStore\(\{ pool \}\)`/,
    );
  });

  test('a mysql2 pool, promise API or callback API', () => {
    const promisePool = mysqlPromise.createPool({ ...NOWHERE });
    const callbackPool = mysql.createPool({ ...NOWHERE });
    closers.push(
      () => promisePool.end(),
      () => new Promise((resolve) => callbackPool.end(resolve)),
    );
    assertRefused(
      promisePool,
      /looks like a mysql2 pool: pass `mysqlStore\(\{ pool \}\)` from coatcheck\/stores\/mysql/,
    );
    assertRefused(
      callbackPool,
      /looks like a mysql2 pool: pass `mysqlStore\(\{ pool: pool\.promise\(\) \}\)` \(the store needs mysql2's promise API\)/,
    );
  });

  test('a better-sqlite3 Database', () => {
    const db = new Database(':memory:');
    closers.push(() => db.close());
    assertRefused(
      db,
      /looks like a better-sqlite3 Database: pass `sqliteStore\(\{ database \}\)` from coatcheck\/stores\/sqlite/,
    );
  });

  test('a memcache-client MemcacheClient', () => {
    const client = new MemcacheClient({ server: '127.0.0.1:1' });
    closers.push(() => client.shutdown());
    assertRefused(
      client,
      /looks like a memcache-client MemcacheClient: pass `memcachedStore\(\{ client \}\)`/,
    );
  });

  test("express-session stores (connect-redis, express-session's MemoryStore)", () => {
    const client = new Redis({ ...NOWHERE, lazyConnect: true });
    closers.push(() => client.disconnect());
    for (const old of [new RedisStore({ client }), new MemoryStore()])
      assertRefused(
        old,
        /looks like an express-session store .*`expressSessionMigration` from coatcheck\/express/,
      );
  });

  test('a Map', () => {
    assertRefused(new Map(), /is a Map, not a Store: use `memoryStore\(\)` from coatcheck\/stores\/memory/);
  });

  test('a Promise: a missing await (storeFromUrl, mysql2/promise createConnection)', async () => {
    const pending = storeFromUrl('memory:');
    assertRefused(pending, /is a Promise: `await` it first/);
    await (await pending).close();
    const connecting = mysqlPromise.createConnection({ ...NOWHERE });
    assertRefused(connecting, /is a Promise/);
    await connecting.catch(() => {}); // nothing listens at NOWHERE
  });

  test('a store factory that was not called, a URL string, a number', () => {
    assertRefused(memoryStore, /is a function, not a Store: call it \(`store: memoryStore\(\)`\)/);
    assertRefused(() => {}, /call it \(`store: yourStore\(\)`\)/);
    assertRefused(
      'redis://user:secret@cache:6379',
      /is a string: .*`await storeFromUrl\("redis:\/\/…@cache:6379"\)` from coatcheck\/stores\/from-url/,
    );
    assert.doesNotMatch(
      storeProblem('redis://user:secret@cache:6379') ?? '',
      /secret/,
      'no password in the message',
    );
    assertRefused(42, /must be a Store object, not number/);
  });

  test('an object that is partly a Store names what it lacks', () => {
    assertRefused(
      { name: 'mine', get: async () => undefined },
      /is not a Store: it lacks create, update, touch, rotate, delete, close\. A Store needs a `name` and get\/create\/update\/touch\/rotate\/delete\/close/,
    );
    const { rotate: _, ...older } = memoryStore();
    assertRefused(older, /lacks rotate\. .* written for the Store contract before `rotate`/);
    const { name: __, ...nameless } = memoryStore();
    assertRefused(nameless, /it lacks name\./);
  });
});

describe("assertStore: this package's stores pass", () => {
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-store-shape-'));
  const redis = new Redis({ ...NOWHERE, lazyConnect: true });
  const pool = new pg.Pool({ ...NOWHERE });
  const mysqlPool = mysqlPromise.createPool({ ...NOWHERE });
  const memcache = new MemcacheClient({ server: '127.0.0.1:1' });
  after(async () => {
    redis.disconnect();
    await pool.end();
    await mysqlPool.end();
    memcache.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const stores: Record<string, () => Store> = {
    memory: () => memoryStore(),
    sqlite: () => sqliteStore({ database: ':memory:', pruneIntervalMs: 0 }),
    fs: () => fsStore({ directory: dir }),
    redis: () => redisStore({ client: redis }),
    postgres: () => postgresStore({ pool, pruneIntervalMs: 0 }),
    mysql: () => mysqlStore({ pool: mysqlPool, pruneIntervalMs: 0 }),
    memcached: () => memcachedStore({ client: memcache }),
    cache: () => cacheStore({ front: memoryStore(), back: memoryStore() }),
  };
  for (const [name, open] of Object.entries(stores))
    test(`${name}: accepted`, async () => {
      const store = open();
      assert.equal(storeProblem(store), undefined);
      assertStore(store);
      await store.close();
    });
});
