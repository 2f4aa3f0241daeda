/**
 * The prepared statements of the SQLite store.
 *
 * Record statements say `successor IS NULL`: a forwarder row is never a record (shared/sql-row.ts).
 * Lists of keys are bound as one JSON array and expanded with `json_each`, so one prepared
 * statement serves any number of keys.
 */
import type { NewStoreRecord } from '../../core/store.ts';
import { RECORD_COLUMNS, ROW_COLUMNS, recordValues, type SqlRow } from '../shared/sql-row.ts';
import type { SqliteHandle, SqliteHandleStatement } from './handle.ts';
import { quoteSqlite } from './schema.ts';

/** A row as the statements return it (`data` is JSON text). */
export interface SqliteRow extends SqlRow {
  readonly key?: string;
  readonly data: string;
  readonly user_id: string | null;
}

/** Parameter and row types are documentation here: the drivers' statements take and return `unknown`. */
type Run<_P extends unknown[]> = SqliteHandleStatement;
type Read<_P extends unknown[], _R> = SqliteHandleStatement;

/** Every statement the store runs, prepared once per store. */
export interface SqliteStatements {
  readonly readRow: Read<[string], SqliteRow>;
  /** key, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, now. */
  readonly create: Run<unknown[]>;
  readonly update: Run<unknown[]>;
  readonly touch: Run<[number, number, string, number]>;
  /** new key, readable_until, forward_writes (0/1), forward_until, old key. */
  readonly forward: Run<[string, number, number, number, string]>;
  /** JSON array of keys. */
  readonly removeRecords: Read<[string], { expires_at: number }>;
  readonly successors: Read<[string], { key: string; successor: string }>;
  readonly removeForwarders: Run<[string]>;
  readonly userKeys: Read<[string], { key: string }>;
  readonly listByUser: Read<[string, number], SqliteRow>;
  /** user, now, key left out. */
  readonly liveOfUser: Read<[string, number, string], { key: string; last_seen_at: number }>;
  readonly purgeRecords: Run<[number, number]>;
  readonly purgeForwarders: Run<[number, number]>;
  readonly count: Read<[], { n: number }>;
  readonly scanFirst: Read<[number], SqliteRow>;
  readonly scanAfter: Read<[string, number], SqliteRow>;
}

/**
 * The SQL of every statement, for one validated table name: what the store prepares, and what an
 * ORM client (stores/kysely.ts, stores/drizzle.ts) sends as is. Placeholders are `?`.
 */
export function sqliteSql(table: string) {
  const t = quoteSqlite(table);
  const keys = 'key IN (SELECT value FROM json_each(?))';
  const purge = (kind: string) =>
    `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expires_at <= ? AND ${kind} LIMIT ?)`;
  return {
    readRow: `SELECT ${ROW_COLUMNS} FROM ${t} WHERE key = ?`,
    // A dead row with the same key (an expired record, or a forwarder past its window) is
    // replaced in the same statement, so it never blocks a create.
    create: `INSERT INTO ${t} (key, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (key) DO UPDATE SET data = excluded.data, user_id = excluded.user_id,
         created_at = excluded.created_at, last_seen_at = excluded.last_seen_at,
         expires_at = excluded.expires_at, absolute_expires_at = excluded.absolute_expires_at, rev = 1,
         successor = NULL, readable_until = NULL, forward_writes = NULL
       WHERE expires_at <= ?`,
    // One statement is one transaction: json_patch (RFC 7396) merges into the latest data, and a
    // `null` member removes a key, so concurrent disjoint patches (even from other processes) all survive.
    // A data-only patch (a blind write) passes null for the window, which COALESCE keeps.
    update: `UPDATE ${t} SET data = json_patch(data, ?), user_id = CASE WHEN ? THEN ? ELSE user_id END,
         last_seen_at = COALESCE(?, last_seen_at), expires_at = COALESCE(?, expires_at), rev = rev + 1
       WHERE key = ? AND successor IS NULL AND expires_at > ?`,
    touch: `UPDATE ${t} SET last_seen_at = ?, expires_at = ? WHERE key = ? AND successor IS NULL AND expires_at > ?`,
    forward: `UPDATE ${t} SET successor = ?, readable_until = ?, forward_writes = ?, expires_at = ?, data = '{}'
       WHERE key = ?`,
    removeRecords: `DELETE FROM ${t} WHERE ${keys} AND successor IS NULL RETURNING expires_at`,
    successors: `SELECT key, successor FROM ${t} WHERE ${keys} AND successor IS NOT NULL`,
    removeForwarders: `DELETE FROM ${t} WHERE ${keys} AND successor IS NOT NULL`,
    userKeys: `SELECT key FROM ${t} WHERE user_id = ?`,
    listByUser: `SELECT key, ${RECORD_COLUMNS} FROM ${t} WHERE user_id = ? AND successor IS NULL AND expires_at > ?`,
    liveOfUser: `SELECT key, last_seen_at FROM ${t} WHERE user_id = ? AND successor IS NULL AND expires_at > ? AND key <> ?`,
    purgeRecords: purge('successor IS NULL'),
    purgeForwarders: purge('successor IS NOT NULL'),
    count: `SELECT count(*) AS n FROM ${t} WHERE successor IS NULL`,
    // Keyset pagination over the primary key: each page is one index range, whatever the table size.
    scanFirst: `SELECT key, ${RECORD_COLUMNS} FROM ${t} WHERE successor IS NULL ORDER BY key LIMIT ?`,
    scanAfter: `SELECT key, ${RECORD_COLUMNS} FROM ${t} WHERE key > ? AND successor IS NULL ORDER BY key LIMIT ?`,
    // A write that changes nothing: run first in a deferred transaction, it takes the database's
    // write lock at once (waiting out busy_timeout), as BEGIN IMMEDIATE would.
    writeLock: `UPDATE ${t} SET rev = rev WHERE 0`,
  } as const;
}

/** The name of one statement of {@link sqliteSql}. */
export type SqliteStatementName = keyof ReturnType<typeof sqliteSql>;

/**
 * Prepares the statements against `table` (which must exist). `safeIntegers(false)`: a handle the
 * user opened with `defaultSafeIntegers(true)` would otherwise hand back BigInts.
 */
export function prepareStatements(db: SqliteHandle, table: string): SqliteStatements {
  const sql = sqliteSql(table);
  const prepare = (text: string) => {
    const statement = db.prepare(text);
    return statement.reader ? statement.safeIntegers(false) : statement;
  };
  return {
    readRow: prepare(sql.readRow),
    create: prepare(sql.create),
    update: prepare(sql.update),
    touch: prepare(sql.touch),
    forward: prepare(sql.forward),
    removeRecords: prepare(sql.removeRecords),
    successors: prepare(sql.successors),
    removeForwarders: prepare(sql.removeForwarders),
    userKeys: prepare(sql.userKeys),
    listByUser: prepare(sql.listByUser),
    liveOfUser: prepare(sql.liveOfUser),
    purgeRecords: prepare(sql.purgeRecords),
    purgeForwarders: prepare(sql.purgeForwarders),
    count: prepare(sql.count),
    scanFirst: prepare(sql.scanFirst),
    scanAfter: prepare(sql.scanAfter),
  };
}

/** Runs the create statement. @returns whether the record was written. */
export function insertRecord(s: SqliteStatements, key: string, record: NewStoreRecord, now: number): boolean {
  return Number(s.create.run(key, ...recordValues(record), now).changes) === 1;
}
