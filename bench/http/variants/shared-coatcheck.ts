/**
 * The coatcheck stores the variants run on, each built the way an app would build it, and the
 * options every coatcheck variant shares (plain-http cookie named like the others' cookies).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSessions, type SessionData, type Sessions, type Store } from 'coatcheck';
import { createClient } from 'redis';
import { countingStore } from '../counters.ts';
import { type BenchContext, COOKIE_NAME } from '../variant.ts';

/** coatcheck's session manager on `store`, with defaults except a cookie that works on plain http. */
export function benchSessions(store: Store): Sessions<{ count?: number }> {
  return createSessions<{ count?: number }>({ store, cookie: { name: COOKIE_NAME, secure: false } });
}

/**
 * What an instrumented variant adds (shared-otel.ts builds it; loaded only by the `-otel`
 * variants, so the others never load the SDK or install its context manager).
 */
export interface Instrumented {
  sessions<D extends SessionData>(sessions: Sessions<D>): Sessions<D>;
  listener<L extends (req: IncomingMessage, res: ServerResponse) => void>(listener: L): L;
  close(): Promise<void>;
}

/** A store plus what closing the variant must also release. */
export interface BenchStore {
  readonly store: Store;
  close(): Promise<void>;
}

/** The memory store, counted by a delegating wrapper. */
export async function memory(_ctx?: BenchContext): Promise<BenchStore> {
  const { memoryStore } = await import('coatcheck/stores/memory');
  const inner = memoryStore();
  return { store: countingStore(inner), close: () => inner.close() };
}

/** The SQLite store on a private file, counted by a delegating wrapper. */
export async function sqlite(ctx: BenchContext): Promise<BenchStore> {
  const { sqliteStore } = await import('coatcheck/stores/sqlite');
  const inner = sqliteStore({ database: ctx.sqlitePath });
  return { store: countingStore(inner), close: () => inner.close() };
}

/** The Redis store on the bench's own Redis (counted there, with INFO), through node-redis. */
export async function redis(ctx: BenchContext): Promise<BenchStore> {
  const { redisStore } = await import('coatcheck/stores/redis');
  const client = createClient({ url: ctx.redisUrl });
  await client.connect();
  return redisBench(redisStore({ client }), () => client.quit());
}

/** A Redis store whose client the variant opened: closing closes the store, then the client. */
function redisBench(store: Store, quit: () => Promise<unknown>): BenchStore {
  return {
    store,
    close: async () => {
      await store.close?.();
      await quit();
    },
  };
}

/** The Redis store on the bench's own Redis through ioredis (from the root's devDependencies). */
export async function ioredis(ctx: BenchContext): Promise<BenchStore> {
  const { redisStore } = await import('coatcheck/stores/redis');
  const client = await ioredisClient(ctx);
  return redisBench(redisStore({ client }), () => client.quit());
}

/**
 * The same with client-side caching on, at its documented defaults: a read of an unchanged
 * session is served from this process, kept exact by Redis's tracking (docs/stores/redis.md).
 */
export async function ioredisCached(ctx: BenchContext): Promise<BenchStore> {
  const { redisStore } = await import('coatcheck/stores/redis');
  const client = await ioredisClient(ctx);
  const store = redisStore({ client, cache: {} });
  // The tracking connection is up once a read has gone through; the measured rounds start after.
  await store.get('bench-warm-up');
  return redisBench(store, () => client.quit());
}

async function ioredisClient(ctx: BenchContext) {
  const { Redis } = await import('ioredis');
  const client = new Redis(ctx.redisUrl);
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
  });
  return client;
}

/** The PostgreSQL store on a private table; queries counted by a wrapper around the pool. */
export async function postgres(ctx: BenchContext): Promise<BenchStore> {
  const { postgresStore } = await import('coatcheck/stores/postgres');
  const { countingQueryable } = await import('../counters.ts');
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({ connectionString: ctx.postgresUrl, max: 10 });
  const store = postgresStore({ pool: countingQueryable(pool), table: ctx.postgresTable });
  await store.migrate();
  return {
    store,
    close: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${ctx.postgresTable}, ${ctx.postgresTable}_meta`);
      await store.close();
      await pool.end();
    },
  };
}

/**
 * The Drizzle store on PostgreSQL through node-postgres, on the raw store's table (the same shape
 * as the table drizzle-kit generates from the exported definition; drizzle-kit itself is not
 * loaded into the server, so both servers hold the same modules but the ORM): the same server
 * and pool size as {@link postgres}, statements counted on the pool.
 */
export async function drizzlePostgres(ctx: BenchContext): Promise<BenchStore> {
  const { drizzleStore } = await import('coatcheck/stores/drizzle');
  const { postgresStore } = await import('coatcheck/stores/postgres');
  const { countQueryCalls } = await import('../counters.ts');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({ connectionString: ctx.postgresUrl, max: 10 });
  const table = `${ctx.postgresTable}_drizzle`;
  await postgresStore({ pool, table, pruneIntervalMs: 0 }).migrate();
  // Counted on the pool itself, as the raw store's statements are: a Drizzle logger would also
  // turn off the store's direct path to the pool (stores/drizzle/runner.ts), which a plain app has.
  countQueryCalls(pool);
  const db = drizzle(pool);
  const store = drizzleStore({ db, table });
  await store.count(); // the start-up check, before the measured requests
  return {
    store,
    close: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_meta`);
      await store.close();
      await pool.end();
    },
  };
}

/**
 * The Kysely store on PostgreSQL (its PostgresDialect over node-postgres), on a table the raw
 * store created (the same shape as the Kysely migration's): the same server and pool size as
 * {@link postgres}, statements counted on the pool, as the Drizzle variant's.
 */
export async function kyselyPostgres(ctx: BenchContext): Promise<BenchStore> {
  const { kyselyStore } = await import('coatcheck/stores/kysely');
  const { postgresStore } = await import('coatcheck/stores/postgres');
  const { countQueryCalls } = await import('../counters.ts');
  const { Kysely, PostgresDialect } = await import('kysely');
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({ connectionString: ctx.postgresUrl, max: 10 });
  const table = `${ctx.postgresTable}_kysely`;
  // Kysely sends every statement on a client it checked out of the pool: count there, on every
  // client the pool makes, the one the migration below opens (and leaves idle for reuse) too.
  pool.on('connect', (client) => countQueryCalls(client));
  await postgresStore({ pool, table, pruneIntervalMs: 0 }).migrate();
  const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
  const store = kyselyStore({ db, table });
  await store.count(); // the start-up check, before the measured requests
  return {
    store,
    close: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_meta`);
      await store.close();
      await db.destroy();
    },
  };
}
