/**
 * The prepared statements of the SQLite store and the row-to-record conversion.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { EncodedData, StoreRecord } from '../../core/store.ts';
import { quoteSqlite } from './schema.ts';

const COLUMNS = 'data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev';

/** A row as the statements return it (`data` is JSON text). */
export interface SqliteRow {
  readonly key?: string;
  readonly data: string;
  readonly user_id: string | null;
  readonly created_at: number;
  readonly last_seen_at: number;
  readonly expires_at: number;
  readonly absolute_expires_at: number;
  readonly rev: number;
}

/** Every statement the store runs, prepared once per store. */
export interface SqliteStatements {
  readonly get: Statement<[string, number], SqliteRow>;
  readonly create: Statement<unknown[]>;
  readonly update: Statement<unknown[]>;
  readonly touch: Statement<[number, number, string, number]>;
  readonly delete: Statement<[string]>;
  readonly listByUser: Statement<[string, number], SqliteRow>;
  readonly countUserLive: Statement<[string, string | null, string | null, number], { n: number }>;
  readonly deleteUser: Statement<[string, string | null, string | null]>;
  readonly purgeBatch: Statement<[number, number]>;
  readonly count: Statement<[], { n: number }>;
  readonly scanFirst: Statement<[number], SqliteRow>;
  readonly scanAfter: Statement<[string, number], SqliteRow>;
}

/**
 * Prepares the statements against `table` (which must exist). `safeIntegers(false)`: a handle the
 * user opened with `defaultSafeIntegers(true)` would otherwise hand back BigInts.
 */
export function prepareStatements(db: Database, table: string): SqliteStatements {
  const t = quoteSqlite(table);
  const prepare = <P extends unknown[], R = unknown>(sql: string) => {
    const statement = db.prepare<P, R>(sql);
    return statement.reader ? statement.safeIntegers(false) : statement;
  };
  return {
    get: prepare(`SELECT ${COLUMNS} FROM ${t} WHERE key = ? AND expires_at > ?`),
    // A dead row with the same key is replaced in the same statement, so it never blocks a create.
    create: prepare(
      `INSERT INTO ${t} (key, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (key) DO UPDATE SET data = excluded.data, user_id = excluded.user_id,
         created_at = excluded.created_at, last_seen_at = excluded.last_seen_at,
         expires_at = excluded.expires_at, absolute_expires_at = excluded.absolute_expires_at, rev = 1
       WHERE expires_at <= ?`,
    ),
    // One statement is one transaction: json_patch (RFC 7396) merges into the latest data, and a
    // `null` member removes a key, so concurrent disjoint patches (even from other processes) all survive.
    update: prepare(
      `UPDATE ${t} SET data = json_patch(data, ?), user_id = CASE WHEN ? THEN ? ELSE user_id END,
         last_seen_at = ?, expires_at = ?, rev = rev + 1
       WHERE key = ? AND expires_at > ?`,
    ),
    touch: prepare(`UPDATE ${t} SET last_seen_at = ?, expires_at = ? WHERE key = ? AND expires_at > ?`),
    delete: prepare(`DELETE FROM ${t} WHERE key = ?`),
    listByUser: prepare(`SELECT key, ${COLUMNS} FROM ${t} WHERE user_id = ? AND expires_at > ?`),
    countUserLive: prepare(
      `SELECT count(*) AS n FROM ${t} WHERE user_id = ? AND (? IS NULL OR key <> ?) AND expires_at > ?`,
    ),
    deleteUser: prepare(`DELETE FROM ${t} WHERE user_id = ? AND (? IS NULL OR key <> ?)`),
    purgeBatch: prepare(
      `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expires_at <= ? LIMIT ?)`,
    ),
    count: prepare(`SELECT count(*) AS n FROM ${t}`),
    // Keyset pagination over the primary key: each page is one index range, whatever the table size.
    scanFirst: prepare(`SELECT key, ${COLUMNS} FROM ${t} ORDER BY key LIMIT ?`),
    scanAfter: prepare(`SELECT key, ${COLUMNS} FROM ${t} WHERE key > ? ORDER BY key LIMIT ?`),
  };
}

/** Converts a row into a record. */
export function toRecord(row: SqliteRow): StoreRecord {
  return {
    data: JSON.parse(row.data) as EncodedData,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    rev: row.rev,
  };
}
