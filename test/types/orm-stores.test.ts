/**
 * Type tests for the ORM stores: the databases an app already has, built the way each ORM's docs
 * build them, are accepted by `drizzleStore` and `kyselyStore` without a cast (tsc checks this
 * file), and the stores built from them are real Stores.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { createSessions } from '../../src/core/sessions.ts';
import { drizzleStore } from '../../src/stores/drizzle.ts';
import { kyselyStore } from '../../src/stores/kysely.ts';

// Nothing here connects: pools connect on their first query, and none is sent.
const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
const mysqlPool = createPool({ uri: 'mysql://nobody@127.0.0.1:1/none' });
const sqlite = new Database(':memory:');

interface AppSchema {
  users: { id: number; name: string };
}

test('Drizzle and Kysely databases as an app builds them are accepted without a cast', async () => {
  const stores = [
    drizzleStore({ db: drizzlePg(pool) }),
    drizzleStore({ db: drizzlePg({ client: pool }) }),
    drizzleStore({ db: drizzleMysql(mysqlPool) }),
    drizzleStore({ db: drizzleSqlite(sqlite) }),
    kyselyStore({ db: new Kysely<AppSchema>({ dialect: new PostgresDialect({ pool }) }) }),
    kyselyStore({ db: new Kysely<AppSchema>({ dialect: new MysqlDialect({ pool: mysqlPool }) }) }),
    kyselyStore({ db: new Kysely<AppSchema>({ dialect: new SqliteDialect({ database: sqlite }) }) }),
  ];
  for (const store of stores) {
    assert.equal(typeof store.rotate, 'function');
    assert.ok(createSessions({ store }));
  }
  await pool.end();
  await new Promise<void>((resolve) => mysqlPool.end(() => resolve()));
  sqlite.close();
});
