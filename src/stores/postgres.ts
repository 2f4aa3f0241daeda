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
import { checkVersion, migrationSql, postgresNames } from './postgres/schema.ts';
import type { PostgresQuery, PostgresQueryResult } from './postgres/statements.ts';
import { postgresTableStore } from './postgres/table-store.ts';
import { inUserTransaction, type PostgresConnectable } from './postgres/transaction.ts';
import { onceUntilSuccess } from './shared/once-until-success.ts';
import { validateIdentifier } from './shared/sql-identifiers.ts';
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
  /** `pg`'s `pool.query(text, values)`: resolves to a result (an array of them for several statements). */
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
  const { pool } = options;
  const query: PostgresQuery = async (text, values) =>
    (await pool.query(text, values)) as PostgresQueryResult;

  // A failed migration (database down) is retried by the next call.
  const migrate = onceUntilSuccess(async () => {
    const results = await pool.query(migrationSql(names));
    const last = (Array.isArray(results) ? results.at(-1) : results) as PostgresQueryResult;
    checkVersion((last.rows[0] as { version?: unknown } | undefined)?.version, names.table);
  });
  const ready = options.migrate === false ? () => Promise.resolve() : migrate;

  return {
    ...postgresTableStore({
      storeName: 'postgres',
      factory: name,
      names,
      query,
      lockedTransaction: (lockKey, body, keep) => inUserTransaction(pool, lockKey, body, keep),
      ready,
      purgeBatchSize: batch,
      pruneIntervalMs: pruneEvery,
      onPruneError: options.onPruneError,
    }),
    migrate,
  };
}
