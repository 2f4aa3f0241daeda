/**
 * The one row shape of the SQL stores (SQLite, PostgreSQL, MySQL/MariaDB) and its decoding.
 *
 * A session table holds two kinds of row under one primary key:
 * - a **record**: `successor` is NULL; the columns are the {@link StoreRecord} fields;
 * - a **forwarder**, left by `rotate` at the old key: `successor` names the new key, `user_id` keeps
 *   the old owner (so `deleteByUser` finds it), `readable_until` and `forward_writes` are the
 *   rotation's, `data` is emptied and `expires_at` holds the rotation's `forwardUntil`. A forwarder
 *   is never live; because its end lives in `expires_at`, the expiry index, the purge and the
 *   "a dead row never blocks a create" rule treat both kinds alike.
 */
import type { EncodedData, NewStoreRecord, StoreRecord } from '../../core/store.ts';

/** The columns of a record, in the order {@link toRecord} reads; every dialect spells them alike. */
export const RECORD_COLUMNS = 'data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev';

/** The record columns plus the forwarding ones: what a read that must tell the two kinds apart selects. */
export const ROW_COLUMNS = `${RECORD_COLUMNS}, successor, readable_until, forward_writes`;

/**
 * A row as the drivers return it: `pg` gives `bigint` columns as strings and `jsonb` parsed;
 * mysql2 gives JSON parsed on MySQL and as text on MariaDB; better-sqlite3 gives numbers and text.
 */
export interface SqlRecordRow {
  readonly data: unknown;
  readonly user_id: string | null;
  readonly created_at: string | number;
  readonly last_seen_at: string | number;
  readonly expires_at: string | number;
  readonly absolute_expires_at: string | number;
  readonly rev: string | number;
}

/** A row read with {@link ROW_COLUMNS}. */
export interface SqlRow extends SqlRecordRow {
  readonly successor?: string | null;
  readonly readable_until?: string | number | null;
  /** `boolean` from PostgreSQL, `0`/`1` from MySQL and SQLite. */
  readonly forward_writes?: boolean | number | string | null;
}

/** A row with its key, as listings and scans select it. */
export type KeyedSqlRow = SqlRow & { readonly key: string };

/** Where a rotated-away key went and what it may still do (see `StoreRotation`). */
export interface Forwarder {
  readonly successor: string;
  readonly userId: string | null;
  readonly readableUntil: number;
  readonly forwardWrites: boolean;
  readonly forwardUntil: number;
}

/** The values an INSERT binds for `record`: {@link RECORD_COLUMNS} without `rev`, data as JSON text. */
export function recordValues(
  record: NewStoreRecord,
): [string, string | null, number, number, number, number] {
  const { userId, createdAt, lastSeenAt, expiresAt, absoluteExpiresAt } = record;
  return [JSON.stringify(record.data), userId, createdAt, lastSeenAt, expiresAt, absoluteExpiresAt];
}

/** Converts a record row; `data` may be parsed JSON or JSON text. */
export function toRecord(row: SqlRecordRow): StoreRecord {
  const data = typeof row.data === 'string' ? (JSON.parse(row.data) as unknown) : row.data;
  return {
    data: (data ?? {}) as EncodedData,
    userId: row.user_id ?? null,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    absoluteExpiresAt: Number(row.absolute_expires_at),
    rev: Number(row.rev),
  };
}

/** The forwarder a row is, or `undefined` for a record row. */
export function forwarderOf(row: SqlRow): Forwarder | undefined {
  if (row.successor === null || row.successor === undefined) return undefined;
  const writes = row.forward_writes;
  return {
    successor: row.successor,
    userId: row.user_id ?? null,
    readableUntil: Number(row.readable_until ?? 0),
    forwardWrites: writes === true || Number(writes) === 1,
    forwardUntil: Number(row.expires_at),
  };
}
