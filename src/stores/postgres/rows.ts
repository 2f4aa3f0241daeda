/**
 * Turning PostgreSQL rows into {@link StoreRecord}s.
 */
import type { EncodedData, StoreRecord } from '../../core/store.ts';

/** The column list every SELECT uses, in the order {@link toRecord} reads. */
export const RECORD_COLUMNS = 'data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev';

/** A row as `pg` returns it: `bigint` columns arrive as strings, `jsonb` already parsed. */
export interface PostgresRecordRow {
  readonly data: unknown;
  readonly user_id: string | null;
  readonly created_at: string | number;
  readonly last_seen_at: string | number;
  readonly expires_at: string | number;
  readonly absolute_expires_at: string | number;
  readonly rev: string | number;
}

/** Converts a row; `data` may be parsed jsonb (pg's default) or JSON text (a custom type parser). */
export function toRecord(row: PostgresRecordRow): StoreRecord {
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
