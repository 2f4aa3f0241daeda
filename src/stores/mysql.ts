/**
 * `coatcheck/stores/mysql`: sessions in a MySQL 8 or MariaDB 10.11 table, through a `mysql2/promise`
 * pool.
 *
 * get, create, update, touch and delete are one statement each on the hot path; patches are one
 * `JSON_MERGE_PATCH`, atomic under the row lock, so concurrent disjoint patches all survive.
 * Rotation (and a create under a user limit) is a short transaction on one pooled connection,
 * retried on deadlock. Expiry is indexed and compared against the app's clock; purge deletes in batches.
 */
import { runMigration } from './mysql/schema.ts';
import { type MysqlQuery, rowsOf } from './mysql/statements.ts';
import { mysqlTableStore } from './mysql/table-store.ts';
import { inTransaction, type MysqlConnectable } from './mysql/transaction.ts';
import { onceUntilSuccess } from './shared/once-until-success.ts';
import { validateIdentifier } from './shared/sql-identifiers.ts';
import type { SqlStore, SqlTableOptions } from './shared/sql-store.ts';
import { intervalMs, positiveInteger } from './shared/store-options.ts';

export type { MysqlConnectionLike } from './mysql/transaction.ts';

/**
 * What the store needs: `query(sql, values)` resolving to `[rows or result header, fields]`, and
 * `getConnection()` for the transactions (rotation, limits) and the migration's named lock, as a
 * `mysql2/promise` pool offers both.
 */
export interface MysqlQueryable extends MysqlConnectable {
  /** `mysql2/promise`'s `pool.query(sql, values)`. */
  query(sql: string, values?: unknown): Promise<unknown>;
}

/** Options of {@link mysqlStore}. */
export interface MysqlStoreOptions extends SqlTableOptions {
  /**
   * A `mysql2/promise` pool (`createPool`), left open by `close()`. Keep mysql2's default utf8mb4
   * charset; set `connectTimeout` so a dead server fails fast (core also bounds every call).
   */
  readonly pool: MysqlQueryable;
  /** Called with each deadlock or lock wait timeout a transaction retried after. Default: none. */
  readonly onRetry?: (error: unknown) => void;
}

/** What {@link mysqlStore} returns: every capability, plus `migrate()`. */
export type MysqlStore = SqlStore;

/**
 * Creates a MySQL 8 / MariaDB 10.11 session store.
 *
 * Table (default `coatcheck_sessions`, utf8mb4_bin, schema version 2): `` `key` VARCHAR(255)
 * primary key, user_id VARCHAR(255) (indexed), data JSON, created_at/last_seen_at/expires_at/
 * absolute_expires_at BIGINT (ms, expires_at indexed), rev INT, successor VARCHAR(255),
 * readable_until BIGINT, forward_writes BOOLEAN``, plus `<table>_meta` holding the schema version.
 * A rotated-away key stays as a forwarder row (`successor` set, `expires_at` = its `forwardUntil`)
 * until purged; shared/sql-row.ts describes it. A version 1 table is upgraded in place by `migrate()`.
 *
 * Races: rotation locks the old row (`SELECT … FOR UPDATE`); a write or delete that meets it waits,
 * re-reads the row (a forwarder by then) and follows it to the new record. Limits hold under
 * parallel logins: logins of one user queue on a named lock (`GET_LOCK`). A transaction InnoDB
 * rolls back as a deadlock victim is run again (up to 5 attempts).
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) for an invalid table name, batch size or interval; at
 * first use, when the table was migrated by a newer coatcheck.
 * @example
 * import mysql from 'mysql2/promise';
 * const pool = mysql.createPool({ uri: process.env.MYSQL_URL, connectTimeout: 2000 });
 * const sessions = createSessions({ store: mysqlStore({ pool }) });
 */
export function mysqlStore(options: MysqlStoreOptions): MysqlStore {
  const name = 'mysqlStore';
  const table = validateIdentifier(name, 'table', options.table ?? 'coatcheck_sessions', 48);
  const batch = positiveInteger(name, 'purgeBatchSize', options.purgeBatchSize ?? 1000);
  const pruneEvery = intervalMs(name, 'pruneIntervalMs', options.pruneIntervalMs ?? 300_000);
  const { pool, onRetry } = options;
  const query: MysqlQuery = (sql, values) => pool.query(sql, values);

  // A failed migration (database down) is retried by the next call.
  const migrate = onceUntilSuccess(async () => {
    const connection = await pool.getConnection();
    try {
      await runMigration(connection, table, (result) => rowsOf(result)[0]);
    } finally {
      connection.release();
    }
  });
  const ready = options.migrate === false ? () => Promise.resolve() : migrate;

  return {
    ...mysqlTableStore({
      storeName: 'mysql',
      factory: name,
      table,
      query,
      transaction: (body, { lock, keep }) => inTransaction(pool, body, { lock, keep, onRetry }),
      lockingLimitRead: false,
      ready,
      purgeBatchSize: batch,
      pruneIntervalMs: pruneEvery,
      onPruneError: options.onPruneError,
    }),
    migrate,
  };
}
