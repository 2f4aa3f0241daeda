/**
 * The Kysely store on PostgreSQL, MySQL/MariaDB and SQLite: the table made by its migration
 * (kyselySessionMigration) through the app's Kysely instance, every suite of test/support/orm-suite.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import Database from 'better-sqlite3';
import {
  CamelCasePlugin,
  Kysely,
  type Kysely as KyselyType,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  sql,
} from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { kyselySessionMigration, kyselyStore } from '../../../src/stores/kysely.ts';
import type { OrmDialect } from '../../../src/stores/orm/runner.ts';
import { describeOrmStore } from '../../support/orm-suite.ts';
import { serviceSkipReason, serviceUrls } from '../../support/services.ts';
import type { OpenVia } from '../../support/sql-table-harness.ts';

type Db = KyselyType<Record<string, Record<string, unknown>>>;
const first = (text: string) => text.trim().split(/\s+/, 1)[0] ?? '';

/** Two app instances (clients) of one database, and how to make a Kysely instance on either. */
function target(
  dialect: OrmDialect,
  skip: string | undefined,
  makeDialect: (second: boolean) => unknown,
  release: () => Promise<void>,
  oneInstance = false,
) {
  const instances = new Map<boolean, Db>();
  // Each Kysely shares its instance's pool or handle; a logging one is a second view of it.
  const kysely = (asked: boolean, log?: string[]): Db => {
    const second = asked && !oneInstance;
    const dialectFor = makeDialect(second) as ConstructorParameters<typeof Kysely>[0]['dialect'];
    // The app's own plugins must not change what the store reads.
    const plugins = [new CamelCasePlugin()];
    if (log === undefined) {
      let db = instances.get(second);
      if (db === undefined) {
        db = new Kysely({ dialect: dialectFor, plugins });
        instances.set(second, db);
      }
      return db;
    }
    return new Kysely({
      dialect: dialectFor,
      plugins,
      log: (event) => {
        log.push(first(event.query.sql));
      },
    });
  };
  describeOrmStore({
    name: `kysely(${dialect})`,
    dialect,
    skip,
    createTable: (table) => kyselySessionMigration({ table }).up(kysely(false) as KyselyType<unknown>),
    open: (options, via: OpenVia = {}) =>
      kyselyStore({ ...options, db: kysely(via.second === true, via.log) }),
    async sql(text) {
      return (await sql.raw(text).execute(kysely(false).withoutPlugins())).rows as Record<string, unknown>[];
    },
    async inAppTransaction(table, during) {
      await kysely(false)
        .transaction()
        .execute(async (trx) => {
          await sql`INSERT INTO ${sql.table(table)} (${sql.ref('key')}, data, created_at, last_seen_at, expires_at, absolute_expires_at, rev) VALUES ('app-row', '{}', 0, 0, 0, 0, 1)`.execute(
            trx,
          );
          await during();
          throw new Error('roll back');
        })
        .catch((error: unknown) => {
          if ((error as Error).message !== 'roll back') throw error;
        });
    },
    close: release,
  });
}

// PostgreSQL: a pg.Pool per app instance, as Kysely's PostgresDialect takes it.
const pgSkip = await serviceSkipReason('postgres');
const pgPools = [false, true].map(() => new pg.Pool({ connectionString: serviceUrls.postgres, max: 12 }));
target(
  'postgres',
  pgSkip,
  (second) => new PostgresDialect({ pool: pgPools[second ? 1 : 0] as pg.Pool }),
  async () => {
    for (const pool of pgPools) await pool.end();
  },
);

// MySQL/MariaDB: mysql2's callback pool, as Kysely's MysqlDialect takes it.
const mySkip = await serviceSkipReason('mysql');
const myPools = [false, true].map(() => createPool({ uri: serviceUrls.mysql, connectionLimit: 12 }));
target(
  'mysql',
  mySkip,
  (second) => new MysqlDialect({ pool: myPools[second ? 1 : 0] as ReturnType<typeof createPool> }),
  async () => {
    for (const pool of myPools) await new Promise((resolve) => pool.end(resolve));
  },
);

// SQLite: one better-sqlite3 handle on one WAL file, and the same instance for the "second app
// instance": two connections in ONE thread cannot both run Kysely's asynchronous transactions
// (better-sqlite3 waits for the write lock synchronously, blocking the thread that holds it), so
// a second instance of an app on SQLite is another process, whose statements are the raw SQLite
// store's own (test/stores/sqlite.test.ts races them between connections).
const dir = mkdtempSync(join(tmpdir(), 'coatcheck-kysely-'));
const file = join(dir, 'app.db');
const handles = [new Database(file, { timeout: 5000 })];
handles[0]?.pragma('journal_mode = WAL');
target(
  'sqlite',
  undefined,
  () => new SqliteDialect({ database: handles[0] as Database.Database }),
  async () => {
    for (const handle of handles) handle.close();
  },
  true,
);
after(() => rmSync(dir, { recursive: true, force: true }));
