/**
 * Every store the fault suite runs against, each opened fresh and isolated (its own table, file,
 * directory or key prefix) so fault test files never collide with each other or with other suites.
 * Network stores use the shared servers here; outages are injected only on private servers or
 * through a proxy (see fault-servers.ts and fault-proxy.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MemcacheClient } from 'memcache-client';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Store } from '../../src/core/store.ts';
import { cacheStore } from '../../src/stores/cache.ts';
import { dynamoDbStore } from '../../src/stores/dynamodb.ts';
import { fsStore } from '../../src/stores/fs.ts';
import { memcachedStore } from '../../src/stores/memcached.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { mysqlStore } from '../../src/stores/mysql.ts';
import { postgresStore } from '../../src/stores/postgres.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { type Dynalite, freshTable, startDynalite } from './dynalite.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from './services.ts';

/** A store opened for one test: `cleanup` runs after `sessions.close()` (which closed the store). */
export interface OpenedStore {
  readonly store: Store;
  /** Key prefix to give `createSessions` (stores that share a keyspace, e.g. Redis). */
  readonly keyPrefix?: string;
  cleanup(): Promise<void>;
}

export interface StoreCase {
  readonly name: string;
  /** Why the case is skipped, if it is. */
  readonly skip: string | undefined;
  open(): Promise<OpenedStore>;
}

async function tempDir(base: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `cc-fault-${base}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

function postgresCase(skip: string | undefined): StoreCase {
  return {
    name: 'postgres',
    skip,
    async open() {
      const pool = new pg.Pool({ connectionString: serviceUrls.postgres, max: 10 });
      pool.on('error', () => undefined);
      const table = uniqueName('cc_fault');
      return {
        store: postgresStore({ pool, table, pruneIntervalMs: 0 }),
        async cleanup() {
          await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
          await pool.end();
        },
      };
    },
  };
}

function mysqlCase(skip: string | undefined): StoreCase {
  return {
    name: 'mysql',
    skip,
    async open() {
      const pool = mysql.createPool({ uri: serviceUrls.mysql, connectionLimit: 10 });
      const table = uniqueName('cc_fault');
      return {
        store: mysqlStore({ pool, table, pruneIntervalMs: 0 }),
        async cleanup() {
          await pool.query(`DROP TABLE IF EXISTS \`${table}\`, \`${table}_meta\``);
          await pool.end();
        },
      };
    },
  };
}

function redisCase(skip: string | undefined): StoreCase {
  return {
    name: 'redis',
    skip,
    async open() {
      const client = new Redis(serviceUrls.redis, { lazyConnect: false });
      client.on('error', () => undefined);
      const prefix = `${uniqueName('ccfault')}:`;
      return {
        store: redisStore({ client, prefix }),
        async cleanup() {
          const keys = await client.keys(`${prefix}*`);
          if (keys.length > 0) await client.del(...keys);
          await client.quit();
        },
      };
    },
  };
}

function memcachedCase(skip: string | undefined): StoreCase {
  return {
    name: 'memcached',
    skip,
    async open() {
      const url = new URL(serviceUrls.memcached);
      const client = new MemcacheClient({
        server: `${url.hostname}:${url.port || '11211'}`,
        cmdTimeout: 5000,
      });
      return {
        // 200 writers on one session need up to 200 CAS cycles each: the race suite gives core a
        // 5 s storeTimeout, so the contention budget may use most of it (default 1.5 s, under 2 s).
        store: memcachedStore({ client, prefix: `${uniqueName('ccfault')}:`, casTimeoutMs: 4_500 }),
        cleanup: async () => client.shutdown(),
      };
    },
  };
}

/** The store matrix: every store that exists in src/stores, with a skip reason for missing servers. */
let dynalite: Promise<Dynalite> | undefined;

/**
 * DynamoDB on dynalite, started by the first test that opens it (one per test process; the child
 * exits with the process). A fresh table each time. dynalite serves one request at a time, so the
 * contention budget is raised to just under the 5 s storeTimeout the race suite gives core.
 */
function dynamoDbCase(): StoreCase {
  return {
    name: 'dynamodb',
    skip: undefined,
    async open() {
      dynalite ??= startDynalite();
      const client = (await dynalite).client();
      const tableName = await freshTable(client);
      return {
        store: dynamoDbStore({ client, tableName, contentionTimeoutMs: 4_500 }),
        cleanup: async () => client.destroy(),
      };
    },
  };
}

export async function storeCases(): Promise<StoreCase[]> {
  const [pgSkip, mySkip, redisSkip, memcachedSkip] = await Promise.all([
    serviceSkipReason('postgres'),
    serviceSkipReason('mysql'),
    serviceSkipReason('redis'),
    serviceSkipReason('memcached'),
  ]);
  return [
    {
      name: 'memory',
      skip: undefined,
      async open() {
        return { store: memoryStore(), cleanup: async () => undefined };
      },
    },
    {
      name: 'sqlite',
      skip: undefined,
      async open() {
        const dir = await tempDir('sqlite');
        return {
          store: sqliteStore({ database: join(dir.path, 's.db'), pruneIntervalMs: 0 }),
          cleanup: dir.remove,
        };
      },
    },
    {
      name: 'fs',
      skip: undefined,
      async open() {
        const dir = await tempDir('fs');
        return { store: fsStore({ directory: dir.path, pruneIntervalMs: 0 }), cleanup: dir.remove };
      },
    },
    {
      name: 'cache(memory→sqlite)',
      skip: undefined,
      async open() {
        const dir = await tempDir('cache');
        const back = sqliteStore({ database: join(dir.path, 's.db'), pruneIntervalMs: 0 });
        return { store: cacheStore({ front: memoryStore(), back }), cleanup: dir.remove };
      },
    },
    postgresCase(pgSkip),
    mysqlCase(mySkip),
    redisCase(redisSkip),
    memcachedCase(memcachedSkip),
    dynamoDbCase(),
  ];
}
