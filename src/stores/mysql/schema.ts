/**
 * The MySQL/MariaDB schema of the session table and its idempotent, concurrency-safe migration.
 */
import { ConfigError } from '../../core/errors.ts';
import { quoteMysql } from '../shared/sql-identifiers.ts';

/**
 * The schema version this code writes and reads. Bump it and add an {@link upgrades} step.
 * 1: records only. 2: forwarder rows (`successor`, `readable_until`, `forward_writes`), see shared/sql-row.ts.
 */
export const SCHEMA_VERSION = 2;

/** A connection (or a pool, which is one connection per call) the migration can talk through. */
export interface MysqlSession {
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

/**
 * The statements of one migration, run in order on ONE connection between `GET_LOCK` and
 * `RELEASE_LOCK` (MySQL runs DDL outside transactions, so a named lock is what serialises N
 * instances). Indexes are declared inside CREATE TABLE because MySQL 8 has no CREATE INDEX IF NOT EXISTS.
 *
 * Keys and user ids use a binary collation: tokens are case-sensitive, so `utf8mb4_general_ci`
 * would make two different keys collide. Times are BIGINT milliseconds, exactly the contract's numbers.
 */
export function migrationStatements(table: string): string[] {
  const t = quoteMysql(table);
  const meta = quoteMysql(`${table}_meta`);
  return [
    `CREATE TABLE IF NOT EXISTS ${meta} (name VARCHAR(64) PRIMARY KEY, version INT NOT NULL)
      DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`,
    `CREATE TABLE IF NOT EXISTS ${t} (
      \`key\` VARCHAR(255) NOT NULL PRIMARY KEY,
      user_id VARCHAR(255) NULL,
      data JSON NOT NULL,
      created_at BIGINT NOT NULL,
      last_seen_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      absolute_expires_at BIGINT NOT NULL,
      rev INT NOT NULL,
      successor VARCHAR(255) NULL,
      readable_until BIGINT NULL,
      forward_writes BOOLEAN NULL,
      INDEX ${quoteMysql(`${table}_user_id_idx`)} (user_id),
      INDEX ${quoteMysql(`${table}_expires_at_idx`)} (expires_at)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`,
    `INSERT IGNORE INTO ${meta} (name, version) VALUES ('schema', ${SCHEMA_VERSION})`,
  ];
}

/**
 * The steps that bring a table of an older version up to the next one, keyed by that next version.
 * MySQL 8 has no `ADD COLUMN IF NOT EXISTS`; one ALTER adding all columns is atomic on both servers,
 * so a step that ran before its version was recorded fails with ER_DUP_FIELDNAME and is skipped.
 */
function upgrades(table: string): ReadonlyMap<number, string> {
  return new Map([
    [
      2,
      `ALTER TABLE ${quoteMysql(table)} ADD COLUMN successor VARCHAR(255) NULL,
        ADD COLUMN readable_until BIGINT NULL, ADD COLUMN forward_writes BOOLEAN NULL`,
    ],
  ]);
}

const ER_DUP_FIELDNAME = 1060;

/** SQL that reads the version the migration left; the first row's `version` column. */
export function versionSql(table: string): string {
  return `SELECT version FROM ${quoteMysql(`${table}_meta`)} WHERE name = 'schema'`;
}

/** A lock name unique to the database and table, within GET_LOCK's 64-character limit. */
export const LOCK_SQL =
  "SELECT GET_LOCK(CONCAT('coatcheck:', LEFT(SHA2(CONCAT(DATABASE(), '.', ?), 256), 40)), 30) AS locked";
export const UNLOCK_SQL =
  "SELECT RELEASE_LOCK(CONCAT('coatcheck:', LEFT(SHA2(CONCAT(DATABASE(), '.', ?), 256), 40))) AS released";

/**
 * Checks the version the migration reported.
 * @throws ConfigError (`COATCHECK_CONFIG`) when the table was migrated by a newer coatcheck.
 */
export function checkVersion(found: unknown, table: string): void {
  const version = Number(found);
  if (!Number.isInteger(version) || version > SCHEMA_VERSION) {
    throw new ConfigError(
      `mysqlStore: table ${table} has schema version ${String(found)}, this coatcheck understands up to ${SCHEMA_VERSION}. Upgrade coatcheck or use another table.`,
    );
  }
}

/** Runs the migration on `session` (one connection), holding the named lock throughout. */
export async function runMigration(
  session: MysqlSession,
  table: string,
  firstRow: (result: unknown) => Record<string, unknown> | undefined,
): Promise<void> {
  const locked = firstRow(await session.query(LOCK_SQL, [table]))?.locked;
  if (Number(locked) !== 1)
    throw new Error(`mysqlStore: could not take the migration lock for ${table} within 30 s`);
  try {
    for (const statement of migrationStatements(table)) await session.query(statement);
    let version = Number(firstRow(await session.query(versionSql(table)))?.version);
    checkVersion(version, table);
    for (const [to, sql] of upgrades(table)) {
      if (version !== to - 1) continue;
      await session.query(sql).catch((error: unknown) => {
        if ((error as { errno?: unknown }).errno !== ER_DUP_FIELDNAME) throw error;
      });
      await session.query(`UPDATE ${quoteMysql(`${table}_meta`)} SET version = ? WHERE name = 'schema'`, [
        to,
      ]);
      version = to;
    }
  } finally {
    await session.query(UNLOCK_SQL, [table]);
  }
}
