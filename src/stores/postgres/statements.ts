/**
 * The SQL of the PostgreSQL store, one statement per step, for one (quoted) table.
 *
 * Every statement compares times against the app's clock passed as a parameter. Record statements
 * say `successor IS NULL`: a forwarder row is never a record (see shared/sql-row.ts).
 */
import type { NewStoreRecord, StoreDataPatch, StoreRotation } from '../../core/store.ts';
import type { EndingSteps } from '../shared/sql-ending.ts';
import { RECORD_COLUMNS, ROW_COLUMNS, recordValues, type SqlRow } from '../shared/sql-row.ts';
import { patchOwner, patchWindow, type SqlPatch } from '../shared/sql-store.ts';

/** One result as `pg` returns it. */
export interface PostgresQueryResult {
  /** The rows returned. */
  readonly rows: unknown[];
  /** The rows affected, as `pg` reports it. */
  readonly rowCount: number | null;
}

/** Runs one parameterised statement: on the pool, or on the client of a transaction. */
export type PostgresQuery = (text: string, values: unknown[]) => Promise<PostgresQueryResult>;

/** `DELETE` of expired rows of one kind, a batch at a time. */
export function purgeSql(t: string, forwarders: boolean): string {
  // SKIP LOCKED: instances purging at once take disjoint batches instead of waiting on each other.
  const kind = forwarders ? 'successor IS NOT NULL' : 'successor IS NULL';
  return `DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t} WHERE expires_at <= $1 AND ${kind} LIMIT $2 FOR UPDATE SKIP LOCKED)`;
}

/** The row at `key`, either kind. */
export async function readRow(query: PostgresQuery, t: string, key: string): Promise<SqlRow | undefined> {
  const { rows } = await query(`SELECT ${ROW_COLUMNS} FROM ${t} WHERE key = $1`, [key]);
  return rows[0] as SqlRow | undefined;
}

/**
 * Inserts a record; a dead row with the same key (an expired record, or a forwarder past its
 * window) is replaced in the same statement, so it never blocks a create.
 * @returns whether the record was written.
 */
export async function insertRecord(
  query: PostgresQuery,
  t: string,
  key: string,
  record: NewStoreRecord,
  now: number,
): Promise<boolean> {
  const result = await query(
    `INSERT INTO ${t} AS s (key, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev)
     VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, 1)
     ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, user_id = EXCLUDED.user_id,
       created_at = EXCLUDED.created_at, last_seen_at = EXCLUDED.last_seen_at,
       expires_at = EXCLUDED.expires_at, absolute_expires_at = EXCLUDED.absolute_expires_at, rev = 1,
       successor = NULL, readable_until = NULL, forward_writes = NULL
     WHERE s.expires_at <= $8`,
    [key, ...recordValues(record), now],
  );
  return result.rowCount === 1;
}

/**
 * Patches the live record at `key`. One statement: the row lock serialises concurrent patches,
 * each merges into the latest data; one that waited on a rotation re-checks the row and misses.
 * A data-only patch (a blind write) keeps the row's window (`COALESCE` of a null).
 */
export async function patchRecord(
  query: PostgresQuery,
  t: string,
  key: string,
  patch: SqlPatch,
  now: number,
): Promise<boolean> {
  const owner = patchOwner(patch);
  const [lastSeenAt, expiresAt] = patchWindow(patch);
  const result = await query(
    `UPDATE ${t} SET data = (data || $2::jsonb) - $3::text[],
       user_id = CASE WHEN $4::boolean THEN $5::text ELSE user_id END,
       last_seen_at = COALESCE($6::bigint, last_seen_at), expires_at = COALESCE($7::bigint, expires_at),
       rev = rev + 1
     WHERE key = $1 AND successor IS NULL AND expires_at > $8`,
    [
      key,
      JSON.stringify(patch.set),
      [...patch.del],
      owner !== undefined,
      owner ?? null,
      lastSeenAt,
      expiresAt,
      now,
    ],
  );
  return result.rowCount === 1;
}

/** What the rotation statement reports: the old row as locked (none: missing), and whether it rotated. */
export interface RotationResult {
  readonly old: { readonly successor: string | null; readonly expires_at: string } | undefined;
  readonly rotated: boolean;
}

/**
 * Rotates in ONE statement: the old row is locked (`FOR UPDATE` waits for a rotation or delete in
 * progress and then reads the row as it committed), turned into a forwarder only if it is still a
 * live record, and the new record is built from the data the old row held at that moment with the
 * rotation's patch applied (`jsonb` operators). A newKey that already exists fails the statement
 * (unique violation), changing nothing.
 */
export async function rotateRecord(
  query: PostgresQuery,
  t: string,
  keys: { readonly oldKey: string; readonly newKey: string },
  rotation: StoreRotation,
  now: number,
): Promise<RotationResult> {
  const { record } = rotation;
  const patch: StoreDataPatch = rotation.patch;
  const { rows } = await query(
    `WITH old AS (
       SELECT data, successor, expires_at FROM ${t} WHERE key = $1 FOR UPDATE
     ), moved AS (
       UPDATE ${t} AS s SET successor = $2, readable_until = $3, forward_writes = $4, expires_at = $5,
         data = '{}'::jsonb
       FROM old WHERE s.key = $1 AND s.successor IS NULL AND s.expires_at > $6
       RETURNING old.data
     ), created AS (
       INSERT INTO ${t} (key, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev)
       SELECT $2::text, (data - $7::text[]) || $8::jsonb, $9::text, $10::bigint, $11::bigint, $12::bigint,
         $13::bigint, 1
       FROM moved
       RETURNING key
     )
     SELECT successor, expires_at, EXISTS (SELECT 1 FROM created) AS rotated FROM old`,
    [
      keys.oldKey,
      keys.newKey,
      rotation.readableUntil,
      rotation.forwardWrites,
      rotation.forwardUntil,
      now,
      [...patch.del],
      JSON.stringify(patch.set),
      record.userId,
      record.createdAt,
      record.lastSeenAt,
      record.expiresAt,
      record.absoluteExpiresAt,
    ],
  );
  const row = rows[0] as (NonNullable<RotationResult['old']> & { rotated: boolean }) | undefined;
  return { old: row, rotated: row?.rotated === true };
}

/**
 * The live records of `userId` other than `exceptKey`, as a limit weighs them. Run inside the
 * user-locked transaction, after the lock: READ COMMITTED gives this statement a snapshot that
 * sees every session the previous holder of the lock committed.
 */
export async function liveOfUser(
  query: PostgresQuery,
  t: string,
  userId: string,
  exceptKey: string,
  now: number,
): Promise<{ key: string; lastSeenAt: number }[]> {
  const { rows } = await query(
    `SELECT key, last_seen_at FROM ${t} WHERE user_id = $1 AND successor IS NULL AND expires_at > $2 AND key <> $3`,
    [userId, now, exceptKey],
  );
  return (rows as { key: string; last_seen_at: string }[]).map((row) => ({
    key: row.key,
    lastSeenAt: Number(row.last_seen_at),
  }));
}

/** The statements `endSessions` runs, on `query` (the pool, or a transaction's client). */
export function endingSteps(query: PostgresQuery, t: string, now: number): EndingSteps {
  return {
    async removeRecords(keys) {
      const { rows } = await query(
        `WITH gone AS (DELETE FROM ${t} WHERE key = ANY($1::text[]) AND successor IS NULL RETURNING expires_at)
         SELECT count(*)::int AS removed, (count(*) FILTER (WHERE expires_at > $2))::int AS live FROM gone`,
        [[...keys], now],
      );
      const row = rows[0] as { removed: number; live: number } | undefined;
      return { removed: row?.removed ?? 0, live: row?.live ?? 0 };
    },
    async successors(keys) {
      const { rows } = await query(
        `SELECT key, successor FROM ${t} WHERE key = ANY($1::text[]) AND successor IS NOT NULL`,
        [[...keys]],
      );
      return new Map((rows as { key: string; successor: string }[]).map((row) => [row.key, row.successor]));
    },
    removeForwarders(keys) {
      return query(`DELETE FROM ${t} WHERE key = ANY($1::text[]) AND successor IS NOT NULL`, [[...keys]]);
    },
  };
}

/** The columns listings and scans select: the key and the record. */
export const KEYED_RECORD_COLUMNS = `key, ${RECORD_COLUMNS}`;

/** `touch`: key, lastSeenAt, expiresAt, now. */
export function touchSql(t: string): string {
  return `UPDATE ${t} SET last_seen_at = $2, expires_at = $3 WHERE key = $1 AND successor IS NULL AND expires_at > $4`;
}

/** `listByUser`: userId, now. */
export function listByUserSql(t: string): string {
  return `SELECT ${KEYED_RECORD_COLUMNS} FROM ${t} WHERE user_id = $1 AND successor IS NULL AND expires_at > $2`;
}

/** The keys of a user's records and forwarders (what `deleteByUser` ends): userId. */
export function userKeysSql(t: string): string {
  return `SELECT key FROM ${t} WHERE user_id = $1`;
}

/** `count`: the records, forwarders left out. */
export function countSql(t: string): string {
  return `SELECT count(*) AS n FROM ${t} WHERE successor IS NULL`;
}

/** One `scan` page: cursor (or null), limit. Keyset pagination over the primary key: one index range scan. */
export function scanSql(t: string): string {
  return `SELECT ${KEYED_RECORD_COLUMNS} FROM ${t} WHERE ($1::text IS NULL OR key > $1) AND successor IS NULL
         ORDER BY key LIMIT $2`;
}
