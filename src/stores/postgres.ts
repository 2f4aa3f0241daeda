/**
 * `coatcheck/stores/postgres`: sessions in a PostgreSQL table, through a `pg` Pool (or anything
 * with a compatible `query()`).
 *
 * Every operation is one statement, hence one round trip and atomic: patches are merged server-side
 * with `jsonb` operators, so concurrent requests that change different keys never lose each other's
 * writes. Expiry is compared against the app's clock (passed as a parameter), indexed, and purged in
 * batches, optionally by a background timer that is safe on any number of instances.
 */
import type { NewStoreRecord, StoreEntry, StorePatch, StoreTouch } from '../core/store.ts';
import { type PostgresRecordRow, RECORD_COLUMNS, toRecord } from './postgres/rows.ts';
import { checkVersion, migrationSql, postgresNames } from './postgres/schema.ts';
import { onceUntilSuccess } from './shared/once-until-success.ts';
import { startPruneTimer } from './shared/prune-timer.ts';
import { scanLimit } from './shared/scan-page.ts';
import { validateIdentifier } from './shared/sql-identifiers.ts';
import type { SqlStore, SqlTableOptions } from './shared/sql-store.ts';
import { intervalMs, positiveInteger } from './shared/store-options.ts';

/** One result as `pg` returns it. */
export interface PostgresQueryResult {
  readonly rows: unknown[];
  readonly rowCount: number | null;
}

/**
 * What the store needs from a client: `query(text, values)`. A `pg.Pool` (recommended), a
 * `pg.Client` or a `pg.PoolClient` all fit. A multi-statement query without values must resolve to
 * one result per statement, as `pg` does.
 */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions extends SqlTableOptions {
  /**
   * The client, usually a `pg.Pool`. Left open by `close()`. Set `connectionTimeoutMillis` and
   * `query_timeout` on it so a dead server fails fast (core also bounds every call with its own timeout).
   */
  readonly pool: PostgresQueryable;
  /** Schema holding the tables, created if missing. Default: none (the connection's `search_path`). */
  readonly schema?: string;
}

/** What {@link postgresStore} returns: every capability, plus `migrate()`. */
export type PostgresStore = SqlStore;

function single(result: unknown): PostgresQueryResult {
  return result as PostgresQueryResult;
}

/**
 * Creates a PostgreSQL session store.
 *
 * Table (default `coatcheck_sessions`): `key text primary key, user_id text (partial index),
 * data jsonb, created_at/last_seen_at/expires_at/absolute_expires_at bigint (ms, expires_at
 * indexed), rev integer`, plus `<table>_meta` holding the schema version.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) for an invalid identifier, batch size or interval; at
 * first use, when the table was migrated by a newer coatcheck.
 * @example
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2000, query_timeout: 2000 });
 * const sessions = createSessions({ store: postgresStore({ pool }) });
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const name = 'postgresStore';
  const schema =
    options.schema === undefined ? undefined : validateIdentifier(name, 'schema', options.schema, 63);
  const table = validateIdentifier(name, 'table', options.table ?? 'coatcheck_sessions', 48);
  const batch = positiveInteger(name, 'purgeBatchSize', options.purgeBatchSize ?? 1000);
  const pruneEvery = intervalMs(name, 'pruneIntervalMs', options.pruneIntervalMs ?? 300_000);
  const names = postgresNames(schema, table);
  const t = names.table;
  const { pool } = options;
  const query = async (text: string, values: unknown[]) => single(await pool.query(text, values));

  // A failed migration (database down) is retried by the next call.
  const migrate = onceUntilSuccess(async () => {
    const results = await pool.query(migrationSql(names));
    const last = Array.isArray(results) ? single(results.at(-1)) : single(results);
    checkVersion((last.rows[0] as { version?: unknown } | undefined)?.version, t);
  });
  const ready = options.migrate === false ? () => Promise.resolve() : migrate;

  const purgeExpired = async (): Promise<number> => {
    await ready();
    let removed = 0;
    for (;;) {
      // SKIP LOCKED: instances purging at once take disjoint batches instead of waiting on each other.
      const result = await query(
        `DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [Date.now(), batch],
      );
      const deleted = result.rowCount ?? 0;
      removed += deleted;
      if (deleted < batch) return removed;
    }
  };
  const timer = startPruneTimer(pruneEvery, purgeExpired, options.onPruneError);

  return {
    name: 'postgres',
    migrate,
    async get(key) {
      await ready();
      const { rows } = await query(`SELECT ${RECORD_COLUMNS} FROM ${t} WHERE key = $1 AND expires_at > $2`, [
        key,
        Date.now(),
      ]);
      const row = rows[0] as PostgresRecordRow | undefined;
      return row === undefined ? undefined : toRecord(row);
    },
    async create(key, record: NewStoreRecord) {
      await ready();
      // A dead row with the same key is replaced in the same statement, so it never blocks a create.
      const result = await query(
        `INSERT INTO ${t} AS s (key, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev)
         VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, 1)
         ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, user_id = EXCLUDED.user_id,
           created_at = EXCLUDED.created_at, last_seen_at = EXCLUDED.last_seen_at,
           expires_at = EXCLUDED.expires_at, absolute_expires_at = EXCLUDED.absolute_expires_at, rev = 1
         WHERE s.expires_at <= $8`,
        [
          key,
          JSON.stringify(record.data),
          record.userId,
          record.createdAt,
          record.lastSeenAt,
          record.expiresAt,
          record.absoluteExpiresAt,
          Date.now(),
        ],
      );
      return result.rowCount === 1;
    },
    async update(key, patch: StorePatch) {
      await ready();
      // One statement: the row lock serialises concurrent patches, each merges into the latest data.
      const result = await query(
        `UPDATE ${t} SET data = (data || $2::jsonb) - $3::text[],
           user_id = CASE WHEN $4::boolean THEN $5::text ELSE user_id END,
           last_seen_at = $6, expires_at = $7, rev = rev + 1
         WHERE key = $1 AND expires_at > $8`,
        [
          key,
          JSON.stringify(patch.set),
          [...patch.del],
          patch.userId !== undefined,
          patch.userId ?? null,
          patch.lastSeenAt,
          patch.expiresAt,
          Date.now(),
        ],
      );
      return result.rowCount === 1;
    },
    async touch(key, window: StoreTouch) {
      await ready();
      const result = await query(
        `UPDATE ${t} SET last_seen_at = $2, expires_at = $3 WHERE key = $1 AND expires_at > $4`,
        [key, window.lastSeenAt, window.expiresAt, Date.now()],
      );
      return result.rowCount === 1;
    },
    async delete(key) {
      await ready();
      await query(`DELETE FROM ${t} WHERE key = $1`, [key]);
    },
    async close() {
      timer.stop();
    },
    async listByUser(userId) {
      await ready();
      const { rows } = await query(
        `SELECT key, ${RECORD_COLUMNS} FROM ${t} WHERE user_id = $1 AND expires_at > $2`,
        [userId, Date.now()],
      );
      return (rows as (PostgresRecordRow & { key: string })[]).map(
        (row): StoreEntry => ({ key: row.key, record: toRecord(row) }),
      );
    },
    async deleteByUser(userId, exceptKey) {
      await ready();
      // Expired rows of the user go too, but only live sessions count as logged out.
      const { rows } = await query(
        `WITH gone AS (DELETE FROM ${t} WHERE user_id = $1 AND ($2::text IS NULL OR key <> $2) RETURNING expires_at)
         SELECT count(*) FILTER (WHERE expires_at > $3) AS n FROM gone`,
        [userId, exceptKey ?? null, Date.now()],
      );
      return Number((rows[0] as { n: string | number } | undefined)?.n ?? 0);
    },
    purgeExpired,
    async count() {
      await ready();
      const { rows } = await query(`SELECT count(*) AS n FROM ${t}`, []);
      return Number((rows[0] as { n: string | number } | undefined)?.n ?? 0);
    },
    async scan({ cursor, limit }) {
      const n = scanLimit(name, limit);
      await ready();
      // Keyset pagination over the primary key: each page is one index range scan.
      const { rows } = await query(
        `SELECT key, ${RECORD_COLUMNS} FROM ${t} WHERE ($1::text IS NULL OR key > $1) ORDER BY key LIMIT $2`,
        [cursor ?? null, n],
      );
      const entries = (rows as (PostgresRecordRow & { key: string })[]).map(
        (row): StoreEntry => ({ key: row.key, record: toRecord(row) }),
      );
      return { entries, cursor: entries.length < n ? undefined : entries.at(-1)?.key };
    },
  };
}
