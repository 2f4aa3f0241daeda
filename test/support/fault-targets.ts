/**
 * Network stores with an injectable outage, for the fault suite. The store always talks to its
 * server through a {@link FaultProxy} (for slow and blackholed links); an outage is a real crash of
 * a private server the test started, except for MySQL/MariaDB, where starting a private server is
 * too heavy here and the proxy refuses and cuts connections in front of the shared server instead.
 *
 * Drivers are configured as the store docs recommend: a connect timeout and a per-query timeout,
 * so an operation the core gave up on does not stay queued in the driver forever.
 */
import { Redis } from 'ioredis';
import { MemcacheClient } from 'memcache-client';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Store } from '../../src/core/store.ts';
import { memcachedStore } from '../../src/stores/memcached.ts';
import { type MysqlQueryable, mysqlStore } from '../../src/stores/mysql.ts';
import { postgresStore } from '../../src/stores/postgres.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { FaultProxy } from './fault-proxy.ts';
import {
  binarySkipReason,
  memcachedBinary,
  type PrivateServer,
  postgresBin,
  redisBinary,
  startMemcached,
  startPostgres,
  startRedis,
} from './fault-servers.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from './services.ts';

/** A store opened against a backend; `cleanup` runs after the store was closed. */
export interface TargetStore {
  readonly store: Store;
  cleanup(): Promise<void>;
}

/** A running backend with its proxy. */
export interface Backend {
  readonly proxy: FaultProxy;
  /** How an outage is made: a crashed server or a proxy that refuses connections. */
  readonly outageKind: string;
  /**
   * Does the backend keep every acknowledged write through an outage? memcached does not: its
   * restart loses every session, by design.
   */
  readonly durable: boolean;
  /** Takes the store away (crash or refuse) until `recover`. */
  outage(): Promise<void>;
  recover(): Promise<void>;
  /** Opens a store in a fresh namespace; `driverTimeoutMs` is the driver's own per-query timeout. */
  openStore(options?: { driverTimeoutMs?: number }): Promise<TargetStore>;
  destroy(): Promise<void>;
}

export interface NetworkTarget {
  readonly name: string;
  readonly skip: string | undefined;
  setup(): Promise<Backend>;
}

/** Wraps a private server in a proxy; the outage is the server's crash. */
async function privateBackend(
  server: PrivateServer,
  durable: boolean,
  open: (proxyPort: number, driverTimeoutMs: number) => Promise<TargetStore>,
): Promise<Backend> {
  const proxy = await FaultProxy.start({ port: server.port });
  return {
    proxy,
    outageKind: 'server killed',
    durable,
    outage: async () => {
      await server.stop();
      proxy.cut();
    },
    recover: () => server.start(),
    openStore: (options = {}) => open(proxy.port, options.driverTimeoutMs ?? 1000),
    async destroy() {
      await proxy.close();
      await server.destroy();
    },
  };
}

function postgresTarget(): NetworkTarget {
  const bin = postgresBin();
  return {
    name: 'postgres',
    skip: binarySkipReason(bin === undefined ? undefined : `${bin}/initdb`, 'PostgreSQL'),
    async setup() {
      const server = await startPostgres();
      return privateBackend(server, true, async (port, driverTimeoutMs) => {
        const pool = new pg.Pool({
          connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
          max: 10,
          connectionTimeoutMillis: 1000,
          query_timeout: driverTimeoutMs,
        });
        // An idle client losing its server emits 'error' on the pool; unhandled, it kills the app.
        pool.on('error', () => undefined);
        return {
          store: postgresStore({ pool, table: uniqueName('cc_fault'), pruneIntervalMs: 0 }),
          cleanup: () => pool.end(),
        };
      });
    },
  };
}

/** A mysql2 pool as the store's client, every query bounded by the driver's own timeout. */
function timedPool(pool: mysql.Pool, timeout: number): MysqlQueryable {
  return {
    query: (sql, values) => pool.query({ sql, timeout }, values as unknown[]),
    getConnection: () => pool.getConnection(),
  };
}

function mysqlTarget(skip: string | undefined): NetworkTarget {
  return {
    name: 'mysql',
    skip,
    async setup() {
      const shared = new URL(serviceUrls.mysql);
      const proxy = await FaultProxy.start({ host: shared.hostname, port: Number(shared.port || 3306) });
      const cleanups: Array<() => Promise<void>> = [];
      return {
        proxy,
        outageKind: 'proxy refuses and cuts connections (shared server untouched)',
        durable: true,
        outage: () => proxy.set('refuse'),
        recover: () => proxy.set('forward'),
        async openStore(options = {}) {
          const url = new URL(serviceUrls.mysql);
          url.hostname = '127.0.0.1';
          url.port = String(proxy.port);
          // queueLimit: without it, mysql2 queues every query waiting for a connection without bound,
          // and a blackholed server drains that queue one connect timeout per connection at a time.
          const pool = mysql.createPool({
            uri: url.toString(),
            connectionLimit: 10,
            connectTimeout: 1000,
            queueLimit: 20,
          });
          pool.on('connection', (connection) => connection.on('error', () => undefined));
          const table = uniqueName('cc_fault');
          cleanups.push(async () => {
            const direct = mysql.createPool({ uri: serviceUrls.mysql, connectionLimit: 1 });
            await direct.query(`DROP TABLE IF EXISTS \`${table}\`, \`${table}_meta\``);
            await direct.end();
          });
          return {
            store: mysqlStore({
              pool: timedPool(pool, options.driverTimeoutMs ?? 1000),
              table,
              pruneIntervalMs: 0,
            }),
            cleanup: () => pool.end().catch(() => undefined),
          };
        },
        async destroy() {
          await proxy.close();
          for (const cleanup of cleanups) await cleanup();
        },
      };
    },
  };
}

function redisTarget(): NetworkTarget {
  return {
    name: 'redis',
    skip: binarySkipReason(redisBinary, 'redis-server'),
    async setup() {
      // Durable (AOF, fsync per write): a SIGKILL must not lose what the server acknowledged.
      const server = await startRedis({ durable: true });
      return privateBackend(server, true, async (port, driverTimeoutMs) => {
        const client = new Redis({
          host: '127.0.0.1',
          port,
          // A command the core gave up on must not wait in ioredis forever.
          commandTimeout: driverTimeoutMs,
          connectTimeout: driverTimeoutMs,
          maxRetriesPerRequest: 1,
          retryStrategy: () => 100,
        });
        // Unhandled, ioredis logs every reconnection failure as an "Unhandled error event".
        client.on('error', () => undefined);
        return {
          store: redisStore({ client, prefix: `${uniqueName('ccfault')}:` }),
          cleanup: async () => client.disconnect(),
        };
      });
    },
  };
}

function memcachedTarget(): NetworkTarget {
  return {
    name: 'memcached',
    skip: binarySkipReason(memcachedBinary, 'memcached'),
    async setup() {
      // Not durable: a killed memcached comes back empty, so the outage tests check the reset rule.
      const server = await startMemcached();
      return privateBackend(server, false, async (port, driverTimeoutMs) => {
        const client = new MemcacheClient({
          server: `127.0.0.1:${port}`,
          // memcache-client queues commands without a count limit: cmdTimeout is what bounds the
          // queue (it shuts the connection and rejects every queued command), connectTimeout the
          // wait for a connect that never completes (0, its default, waits for the OS).
          cmdTimeout: driverTimeoutMs,
          connectTimeout: driverTimeoutMs,
        });
        return {
          store: memcachedStore({ client, prefix: `${uniqueName('ccfault')}:` }),
          cleanup: async () => client.shutdown(),
        };
      });
    },
  };
}

/** The network stores with an injectable outage. */
export async function networkTargets(): Promise<NetworkTarget[]> {
  return [postgresTarget(), mysqlTarget(await serviceSkipReason('mysql')), redisTarget(), memcachedTarget()];
}
