/**
 * The SQLite schema of the session table and its idempotent, versioned migration.
 */
import type { Database } from 'better-sqlite3';
import { ConfigError } from '../../core/errors.ts';

/** The schema version this code writes and reads. Bump it and add a step to migrate data. */
export const SCHEMA_VERSION = 1;

/**
 * The table holding one schema version per session table. A table of our own rather than
 * `PRAGMA user_version`: that pragma is one number per database file, and the user's database may
 * already use it for its own migrations.
 */
export const META_TABLE = 'coatcheck_meta';

/** Double-quotes a validated identifier. */
export function quoteSqlite(identifier: string): string {
  return `"${identifier}"`;
}

/**
 * The DDL of one migration, every statement idempotent. Times are INTEGER milliseconds, exactly
 * the contract's numbers; `data` is a JSON object of opaque encoded strings, as TEXT.
 */
export function migrationSql(table: string): string {
  const t = quoteSqlite(table);
  return `
    CREATE TABLE IF NOT EXISTS ${quoteSqlite(META_TABLE)} (name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS ${t} (
      key                 TEXT PRIMARY KEY NOT NULL,
      user_id             TEXT,
      data                TEXT NOT NULL,
      created_at          INTEGER NOT NULL,
      last_seen_at        INTEGER NOT NULL,
      expires_at          INTEGER NOT NULL,
      absolute_expires_at INTEGER NOT NULL,
      rev                 INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ${quoteSqlite(`${table}_user_id_idx`)} ON ${t} (user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS ${quoteSqlite(`${table}_expires_at_idx`)} ON ${t} (expires_at);`;
}

/**
 * Creates the tables and indexes if missing and records the version, in one `BEGIN IMMEDIATE`
 * transaction: processes migrating one file at once queue on SQLite's write lock instead of racing.
 * @throws ConfigError (`COATCHECK_CONFIG`) when the table was migrated by a newer coatcheck.
 */
export function runMigration(db: Database, table: string): void {
  const migrate = db.transaction(() => {
    db.exec(migrationSql(table));
    const meta = quoteSqlite(META_TABLE);
    db.prepare(`INSERT INTO ${meta} (name, version) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`).run(
      table,
      SCHEMA_VERSION,
    );
    const row = db.prepare(`SELECT version FROM ${meta} WHERE name = ?`).get(table) as
      | { version: unknown }
      | undefined;
    return row?.version;
  });
  const found = migrate.immediate();
  const version = Number(found);
  if (!Number.isInteger(version) || version > SCHEMA_VERSION) {
    throw new ConfigError(
      `sqliteStore: table ${table} has schema version ${String(found)}, this coatcheck understands up to ${SCHEMA_VERSION}. Upgrade coatcheck or use another table.`,
    );
  }
}
