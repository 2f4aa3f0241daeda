/**
 * The SQLite schema of the session table and its idempotent, versioned migration.
 */
import { ConfigError } from '../../core/errors.ts';
import type { SqliteHandle } from './handle.ts';

/**
 * The schema version this code writes and reads. Bump it and add an {@link upgrades} step.
 * 1: records only. 2: forwarder rows (`successor`, `readable_until`, `forward_writes`), see shared/sql-row.ts.
 */
export const SCHEMA_VERSION = 2;

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
      rev                 INTEGER NOT NULL,
      successor           TEXT,
      readable_until      INTEGER,
      forward_writes      INTEGER
    );
    CREATE INDEX IF NOT EXISTS ${quoteSqlite(`${table}_user_id_idx`)} ON ${t} (user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS ${quoteSqlite(`${table}_expires_at_idx`)} ON ${t} (expires_at);`;
}

/**
 * The steps that bring a table of an older version up to the next one, keyed by that next version.
 * SQLite adds one column per ALTER; DDL is transactional, so a step is all or nothing.
 */
function upgrades(table: string): ReadonlyMap<number, string> {
  const t = quoteSqlite(table);
  return new Map([
    [
      2,
      `ALTER TABLE ${t} ADD COLUMN successor TEXT;
       ALTER TABLE ${t} ADD COLUMN readable_until INTEGER;
       ALTER TABLE ${t} ADD COLUMN forward_writes INTEGER;`,
    ],
  ]);
}

/**
 * Creates the tables and indexes if missing, upgrades an older table in place and records the
 * version, in one `BEGIN IMMEDIATE` transaction: processes migrating one file at once queue on
 * SQLite's write lock instead of racing, and a failure leaves the table as it was.
 * @throws ConfigError (`COATCHECK_CONFIG`) when the table was migrated by a newer coatcheck (it is
 * left untouched).
 */
export function runMigration(db: SqliteHandle, table: string): void {
  const meta = quoteSqlite(META_TABLE);
  const migrate = db.transaction(() => {
    db.exec(migrationSql(table));
    db.prepare(`INSERT INTO ${meta} (name, version) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`).run(
      table,
      SCHEMA_VERSION,
    );
    const row = db.prepare(`SELECT version FROM ${meta} WHERE name = ?`).get(table) as
      | { version: unknown }
      | undefined;
    let version = Number(row?.version);
    checkVersion(version, row?.version, table);
    for (const [to, sql] of upgrades(table)) {
      if (version !== to - 1) continue;
      db.exec(sql);
      db.prepare(`UPDATE ${meta} SET version = ? WHERE name = ?`).run(to, table);
      version = to;
    }
  });
  migrate.immediate();
}

function checkVersion(version: number, found: unknown, table: string): void {
  if (!Number.isInteger(version) || version > SCHEMA_VERSION) {
    throw new ConfigError(
      `sqliteStore: table ${table} has schema version ${String(found)}, this coatcheck understands up to ${SCHEMA_VERSION}. Upgrade coatcheck or use another table.`,
    );
  }
}
