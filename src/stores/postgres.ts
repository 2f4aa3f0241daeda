/**
 * `coatcheck/stores/postgres`: sessions in a PostgreSQL table, through a `pg` Pool.
 *
 * get, create, update, touch and delete are one statement each (one round trip) on the hot path,
 * and rotate is one statement too: patches are merged server-side with `jsonb` operators, so
 * concurrent requests that change different keys never lose each other's writes. Only a per-user
 * limit takes a short transaction (see postgres/transaction.ts). Expiry is compared against the
 * app's clock (passed as a parameter), indexed, and purged in batches, optionally by a background
 * timer that is safe on any number of instances.
 */
import type { NewStoreRecord, StoreEntry, StorePatch, StoreTouch, UserLimit } from '../core/store.ts';
import { checkVersion, migrationSql, postgresNames } from './postgres/schema.ts';
import {
  endingSteps,
  insertRecord,
  KEYED_RECORD_COLUMNS,
  liveOfUser,
  type PostgresQuery,
  type PostgresQueryResult,
  patchRecord,
  purgeSql,
  readRow,
  rotateRecord,
} from './postgres/statements.ts';
import { inUserTransaction, type PostgresConnectable, userLockKey } from './postgres/transaction.ts';
import { purgeInBatches } from './shared/batched-purge.ts';
import { onceUntilSuccess } from './shared/once-until-success.ts';
import { startPruneTimer } from './shared/prune-timer.ts';
import { scanLimit } from './shared/scan-page.ts';
import { endSessions, enforceLimit } from './shared/sql-ending.ts';
import { readThrough, rotationBlocker, writeThrough } from './shared/sql-forwarding.ts';
import { validateIdentifier } from './shared/sql-identifiers.ts';
import { type KeyedSqlRow, toRecord } from './shared/sql-row.ts';
import type { SqlStore, SqlTableOptions } from './shared/sql-store.ts';
import { intervalMs, positiveInteger } from './shared/store-options.ts';

export type { PostgresQueryResult } from './postgres/statements.ts';
export type { PostgresPoolClient } from './postgres/transaction.ts';

/**
 * What the store needs from a client: `query(text, values)`, and `connect()` for the transaction a
 * per-user limit runs. A `pg.Pool` fits (recommended). A multi-statement query without values must
 * resolve to one result per statement, as `pg` does. Without `connect()` everything works except
 * `create`/`rotate` with a limit, which throw `UnsupportedError`.
 */
export interface PostgresQueryable extends PostgresConnectable {
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

/**
 * Creates a PostgreSQL session store.
 *
 * Table (default `coatcheck_sessions`, schema version 2): `key text primary key, user_id text
 * (partial index), data jsonb, created_at/last_seen_at/expires_at/absolute_expires_at bigint (ms,
 * expires_at indexed), rev integer, successor text, readable_until bigint, forward_writes boolean`,
 * plus `<table>_meta` holding the schema version. A rotated-away key stays as a forwarder row
 * (`successor` set, `expires_at` = its `forwardUntil`) until purged; shared/sql-row.ts describes it.
 * A version 1 table is upgraded in place by `migrate()`.
 *
 * Races: a write or delete that meets a rotation waits for the old row's lock, re-checks the row
 * (a forwarder by then) and follows it to the new record; a rotation that meets a delete finds no
 * row and answers `'gone'`. Limits hold under parallel logins: a transaction-scoped advisory lock
 * per user serialises them.
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
  const query: PostgresQuery = async (text, values) =>
    (await pool.query(text, values)) as PostgresQueryResult;

  // A failed migration (database down) is retried by the next call.
  const migrate = onceUntilSuccess(async () => {
    const results = await pool.query(migrationSql(names));
    const last = (Array.isArray(results) ? results.at(-1) : results) as PostgresQueryResult;
    checkVersion((last.rows[0] as { version?: unknown } | undefined)?.version, t);
  });
  const ready = options.migrate === false ? () => Promise.resolve() : migrate;

  /** Runs `body` under the user's lock when a limit applies, else directly on the pool. */
  const limited = <T>(
    userId: string | null,
    limit: UserLimit | undefined,
    body: (q: PostgresQuery, limit: UserLimit | undefined) => Promise<T>,
    keep: (outcome: T) => boolean,
  ): Promise<T> => {
    if (limit === undefined || userId === null) return body(query, undefined);
    return inUserTransaction(pool, userLockKey(names.identity, userId), (q) => body(q, limit), keep);
  };
  /** Applies `limit` once the session at `newKey` is written: `'limit'` means roll back. */
  const admit = async (q: PostgresQuery, userId: string, limit: UserLimit, newKey: string, now: number) =>
    enforceLimit(await liveOfUser(q, t, userId, newKey, now), limit, endingSteps(q, t, now));

  const purgeExpired = async (): Promise<number> => {
    await ready();
    return purgeInBatches(
      async (forwarders, size) => (await query(purgeSql(t, forwarders), [Date.now(), size])).rowCount ?? 0,
      batch,
    );
  };
  const timer = startPruneTimer(pruneEvery, purgeExpired, options.onPruneError);
  const listed = (rows: unknown[]) =>
    (rows as KeyedSqlRow[]).map((row): StoreEntry => ({ key: row.key, record: toRecord(row) }));

  return {
    name: 'postgres',
    reportsExpired: true,
    migrate,
    async get(key) {
      await ready();
      return readThrough(key, Date.now(), (hop) => readRow(query, t, hop));
    },
    async create(key, record: NewStoreRecord, limit?: UserLimit) {
      await ready();
      const now = Date.now();
      return limited(
        record.userId,
        limit,
        async (q, applied) => {
          if (!(await insertRecord(q, t, key, record, now))) return false;
          if (applied === undefined || record.userId === null) return true;
          return (await admit(q, record.userId, applied, key, now)) === 'limit' ? 'limit' : true;
        },
        (outcome) => outcome === true,
      );
    },
    async update(key, patch: StorePatch) {
      await ready();
      const now = Date.now();
      return writeThrough(key, now, {
        attempt: (hop) => patchRecord(query, t, hop, patch, now),
        read: (hop) => readRow(query, t, hop),
      });
    },
    async touch(key, window: StoreTouch) {
      await ready();
      const result = await query(
        `UPDATE ${t} SET last_seen_at = $2, expires_at = $3 WHERE key = $1 AND successor IS NULL AND expires_at > $4`,
        [key, window.lastSeenAt, window.expiresAt, Date.now()],
      );
      return result.rowCount === 1;
    },
    async rotate(oldKey, newKey, rotation) {
      await ready();
      const now = Date.now();
      const userId = rotation.record.userId;
      return limited(
        userId,
        rotation.limit,
        async (q, applied) => {
          const result = await rotateRecord(q, t, { oldKey, newKey }, rotation, now);
          if (!result.rotated) return rotationBlocker(result.old, now) ?? 'gone';
          if (applied === undefined || userId === null) return 'rotated';
          return (await admit(q, userId, applied, newKey, now)) === 'limit' ? 'limit' : 'rotated';
        },
        (outcome) => outcome === 'rotated',
      );
    },
    async delete(key) {
      await ready();
      return (await endSessions(endingSteps(query, t, Date.now()), [key])).removed > 0;
    },
    async close() {
      timer.stop();
    },
    async listByUser(userId) {
      await ready();
      const { rows } = await query(
        `SELECT ${KEYED_RECORD_COLUMNS} FROM ${t} WHERE user_id = $1 AND successor IS NULL AND expires_at > $2`,
        [userId, Date.now()],
      );
      return listed(rows);
    },
    async deleteByUser(userId, exceptKey) {
      await ready();
      // The user's records and forwarders; ending a forwarder ends what it moved to.
      const { rows } = await query(`SELECT key FROM ${t} WHERE user_id = $1`, [userId]);
      const keys = (rows as { key: string }[]).map((row) => row.key);
      return (await endSessions(endingSteps(query, t, Date.now()), keys, exceptKey)).live;
    },
    purgeExpired,
    async count() {
      await ready();
      const { rows } = await query(`SELECT count(*) AS n FROM ${t} WHERE successor IS NULL`, []);
      return Number((rows[0] as { n: string | number } | undefined)?.n ?? 0);
    },
    async scan({ cursor, limit }) {
      const n = scanLimit(name, limit);
      await ready();
      // Keyset pagination over the primary key: each page is one index range scan.
      const { rows } = await query(
        `SELECT ${KEYED_RECORD_COLUMNS} FROM ${t} WHERE ($1::text IS NULL OR key > $1) AND successor IS NULL
         ORDER BY key LIMIT $2`,
        [cursor ?? null, n],
      );
      const entries = listed(rows);
      return { entries, cursor: entries.length < n ? undefined : entries.at(-1)?.key };
    },
  };
}
