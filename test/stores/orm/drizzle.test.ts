/**
 * The Drizzle store on PostgreSQL (node-postgres), MySQL/MariaDB (mysql2) and SQLite
 * (better-sqlite3): the table made from the exported table definition by drizzle-kit's own
 * migration generator, through the app's Drizzle database, every suite of test/support/orm-suite.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import Database from 'better-sqlite3';
import {
  generateDrizzleJson,
  generateMigration,
  generateMySQLDrizzleJson,
  generateMySQLMigration,
  generateSQLiteDrizzleJson,
  generateSQLiteMigration,
} from 'drizzle-kit/api';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3';
import { drizzle as mysqlDrizzle } from 'drizzle-orm/mysql2';
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mysqlSessionTable } from '../../../src/stores/drizzle/mysql.ts';
import { pgSessionTable } from '../../../src/stores/drizzle/pg.ts';
import { sqliteSessionTable } from '../../../src/stores/drizzle/sqlite.ts';
import { type DrizzleLike, drizzleStore } from '../../../src/stores/drizzle.ts';
import type { OrmDialect } from '../../../src/stores/orm/runner.ts';
import { describeOrmStore } from '../../support/orm-suite.ts';
import { serviceSkipReason, serviceUrls } from '../../support/services.ts';
import type { OpenVia } from '../../support/sql-table-harness.ts';

const first = (text: string) => text.trim().split(/\s+/, 1)[0] ?? '';

/** What drizzle-kit generates for the exported table definition: the app's migration. */
async function migrationOf(dialect: OrmDialect, table: string): Promise<string[]> {
  if (dialect === 'postgres') {
    return generateMigration(
      generateDrizzleJson({}),
      generateDrizzleJson({ sessions: pgSessionTable(table) }),
    );
  }
  if (dialect === 'mysql') {
    const [empty, schema] = [
      await generateMySQLDrizzleJson({}),
      await generateMySQLDrizzleJson({ s: mysqlSessionTable(table) }),
    ];
    return generateMySQLMigration(empty, schema);
  }
  const [empty, schema] = [
    await generateSQLiteDrizzleJson({}),
    await generateSQLiteDrizzleJson({ s: sqliteSessionTable(table) }),
  ];
  return generateSQLiteMigration(empty, schema);
}

interface Target {
  readonly dialect: OrmDialect;
  readonly skip: string | undefined;
  /** A Drizzle database on app instance `second`, logging statements to `log` when given. */
  db(second: boolean, log?: string[]): DrizzleLike;
  /** Runs one statement on `db`, resolving its rows. */
  exec(db: DrizzleLike, query: SQL): Promise<Record<string, unknown>[]>;
  /** A transaction the app opens with Drizzle on `db`, rolled back after `body`. */
  appTransaction(db: DrizzleLike, body: (tx: DrizzleLike) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

function register(t: Target): void {
  const q = (name: string) => (t.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);
  describeOrmStore({
    name: `drizzle(${t.dialect})`,
    dialect: t.dialect,
    skip: t.skip,
    async createTable(table) {
      for (const statement of await migrationOf(t.dialect, table))
        await t.exec(t.db(false), sql.raw(statement));
    },
    open: (options, via: OpenVia = {}) =>
      drizzleStore({ ...options, db: t.db(via.second === true, via.log) }),
    sql: (text) => t.exec(t.db(false), sql.raw(text)),
    async inAppTransaction(table, during) {
      await t.appTransaction(t.db(false), async (tx) => {
        await t.exec(
          tx,
          sql.raw(`INSERT INTO ${q(table)} (${q('key')}, data, created_at, last_seen_at, expires_at, absolute_expires_at, rev)
            VALUES ('app-row', '{}', 0, 0, 0, 0, 1)`),
        );
        await during();
      });
    },
    close: () => t.close(),
  });
}

const logger = (log: string[] | undefined) =>
  log === undefined ? {} : { logger: { logQuery: (query: string) => void log.push(first(query)) } };
/** Drizzle's way to roll back: `tx.rollback()` throws. */
const rolledBack = async (run: () => Promise<unknown>) => {
  await run().catch((error: unknown) => {
    if ((error as Error).constructor.name !== 'TransactionRollbackError') throw error;
  });
};

// PostgreSQL through node-postgres: one pg.Pool per app instance.
const pgPools = [0, 1].map(() => new pg.Pool({ connectionString: serviceUrls.postgres, max: 12 }));
register({
  dialect: 'postgres',
  skip: await serviceSkipReason('postgres'),
  db: (second, log) => pgDrizzle(pgPools[second ? 1 : 0] as pg.Pool, logger(log)),
  async exec(db, query) {
    return (
      (await (db as unknown as ReturnType<typeof pgDrizzle>).execute(query)) as {
        rows: Record<string, unknown>[];
      }
    ).rows;
  },
  appTransaction: (db, body) =>
    rolledBack(() =>
      (db as unknown as ReturnType<typeof pgDrizzle>).transaction(async (tx) => {
        await body(tx as unknown as DrizzleLike);
        tx.rollback();
      }),
    ),
  async close() {
    for (const pool of pgPools) await pool.end();
  },
});

// MySQL/MariaDB through mysql2: one promise pool per app instance.
const myPools = [0, 1].map(() => mysql.createPool({ uri: serviceUrls.mysql, connectionLimit: 12 }));
register({
  dialect: 'mysql',
  skip: await serviceSkipReason('mysql'),
  db: (second, log) => mysqlDrizzle(myPools[second ? 1 : 0] as mysql.Pool, logger(log)),
  async exec(db, query) {
    const [rows] = (await (db as unknown as ReturnType<typeof mysqlDrizzle>).execute(query)) as unknown as [
      unknown,
    ];
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
  },
  appTransaction: (db, body) =>
    rolledBack(() =>
      (db as unknown as ReturnType<typeof mysqlDrizzle>).transaction(async (tx) => {
        await body(tx as unknown as DrizzleLike);
        tx.rollback();
      }),
    ),
  async close() {
    for (const pool of myPools) await pool.end();
  },
});

// SQLite through better-sqlite3: one handle per app instance on one WAL file.
const dir = mkdtempSync(join(tmpdir(), 'coatcheck-drizzle-'));
const handles = [0, 1].map(() => new Database(join(dir, 'app.db'), { timeout: 5000 }));
handles[0]?.pragma('journal_mode = WAL');
after(() => rmSync(dir, { recursive: true, force: true }));
register({
  dialect: 'sqlite',
  skip: undefined,
  db: (second, log) => sqliteDrizzle(handles[second ? 1 : 0] as Database.Database, logger(log)),
  async exec(db, query) {
    const lite = db as unknown as ReturnType<typeof sqliteDrizzle>;
    if (
      /^\s*(SELECT|WITH)/i.test(
        query.queryChunks.map((chunk) => String((chunk as { value?: unknown }).value ?? '')).join(''),
      )
    ) {
      return lite.all(query);
    }
    lite.run(query);
    return [];
  },
  // better-sqlite3's transactions are synchronous: an app that holds one open across awaits sends BEGIN itself.
  async appTransaction(db, body) {
    const lite = db as unknown as ReturnType<typeof sqliteDrizzle>;
    lite.run(sql`BEGIN`);
    try {
      await body(db);
    } finally {
      lite.run(sql`ROLLBACK`);
    }
  },
  async close() {
    for (const handle of handles) handle.close();
  },
});
