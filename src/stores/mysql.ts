/**
 * `coatcheck/stores/mysql`: sessions in a MySQL 8 or MariaDB 10.11 table, through a `mysql2/promise`
 * pool.
 *
 * get, create, update, touch and delete are one statement each on the hot path; patches are one
 * `JSON_MERGE_PATCH`, atomic under the row lock, so concurrent disjoint patches all survive.
 * Rotation (and a create under a user limit) is a short transaction on one pooled connection,
 * retried on deadlock. Expiry is indexed and compared against the app's clock; purge deletes in batches.
 */
import type { NewStoreRecord, StoreEntry, StorePatch, StoreTouch, UserLimit } from '../core/store.ts';
import { runMigration } from './mysql/schema.ts';
import {
  affectedRows,
  endingSteps,
  insertRecord,
  liveOfUser,
  type MysqlQuery,
  matchedRows,
  patchRecord,
  readRow,
  rotateRecord,
  rowsOf,
} from './mysql/statements.ts';
import { inTransaction, type MysqlConnectable } from './mysql/transaction.ts';
import { purgeInBatches } from './shared/batched-purge.ts';
import { onceUntilSuccess } from './shared/once-until-success.ts';
import { startPruneTimer } from './shared/prune-timer.ts';
import { scanLimit } from './shared/scan-page.ts';
import { endSessions, enforceLimit } from './shared/sql-ending.ts';
import { readThrough, writeThrough } from './shared/sql-forwarding.ts';
import { quoteMysql, validateIdentifier } from './shared/sql-identifiers.ts';
import { type KeyedSqlRow, RECORD_COLUMNS, toRecord } from './shared/sql-row.ts';
import type { SqlStore, SqlTableOptions } from './shared/sql-store.ts';
import { intervalMs, positiveInteger } from './shared/store-options.ts';

export type { MysqlConnectionLike } from './mysql/transaction.ts';

/**
 * What the store needs: `query(sql, values)` resolving to `[rows or result header, fields]`, and
 * `getConnection()` for the transactions (rotation, limits) and the migration's named lock, as a
 * `mysql2/promise` pool offers both.
 */
export interface MysqlQueryable extends MysqlConnectable {
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
  const t = quoteMysql(table);
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

  /** Applies `limit` once the session at `newKey` is written: `'limit'` means roll back. */
  const admit = async (q: MysqlQuery, userId: string, limit: UserLimit, newKey: string, now: number) =>
    enforceLimit(await liveOfUser(q, t, userId, newKey, now), limit, endingSteps(q, t, now));
  const userLock = (userId: string) => `${table}:user:${userId}`;

  const purgeExpired = async (): Promise<number> => {
    await ready();
    return purgeInBatches(async (forwarders, size) => {
      const kind = forwarders ? 'successor IS NOT NULL' : 'successor IS NULL';
      const sql = `DELETE FROM ${t} WHERE expires_at <= ? AND ${kind} ORDER BY expires_at LIMIT ?`;
      return affectedRows(await query(sql, [Date.now(), size]));
    }, batch);
  };
  const timer = startPruneTimer(pruneEvery, purgeExpired, options.onPruneError);
  const listed = (result: unknown) =>
    (rowsOf(result) as unknown as KeyedSqlRow[]).map(
      (row): StoreEntry => ({ key: row.key, record: toRecord(row) }),
    );

  return {
    name: 'mysql',
    reportsExpired: true,
    migrate,
    async get(key) {
      await ready();
      return readThrough(key, Date.now(), (hop) => readRow(query, t, hop));
    },
    async create(key, record: NewStoreRecord, limit?: UserLimit) {
      await ready();
      const now = Date.now();
      const { userId } = record;
      if (limit === undefined || userId === null) return insertRecord(query, t, key, record, now);
      return inTransaction(
        pool,
        async (q) => {
          if (!(await insertRecord(q, t, key, record, now))) return false;
          return (await admit(q, userId, limit, key, now)) === 'limit' ? 'limit' : true;
        },
        { lock: userLock(userId), keep: (outcome) => outcome === true, onRetry },
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
        `UPDATE ${t} SET last_seen_at = ?, expires_at = ? WHERE \`key\` = ? AND successor IS NULL AND expires_at > ?`,
        [window.lastSeenAt, window.expiresAt, key, Date.now()],
      );
      return matchedRows(result) === 1;
    },
    async rotate(oldKey, newKey, rotation) {
      await ready();
      const now = Date.now();
      const { userId } = rotation.record;
      const limit = userId === null ? undefined : rotation.limit;
      return inTransaction(
        pool,
        async (q) => {
          const outcome = await rotateRecord(q, t, { oldKey, newKey }, rotation, now);
          if (outcome !== 'rotated' || limit === undefined || userId === null) return outcome;
          return (await admit(q, userId, limit, newKey, now)) === 'limit' ? 'limit' : 'rotated';
        },
        {
          lock: limit === undefined || userId === null ? undefined : userLock(userId),
          keep: (outcome) => outcome === 'rotated',
          onRetry,
        },
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
      const result = await query(
        `SELECT \`key\`, ${RECORD_COLUMNS} FROM ${t} WHERE user_id = ? AND successor IS NULL AND expires_at > ?`,
        [userId, Date.now()],
      );
      return listed(result);
    },
    async deleteByUser(userId, exceptKey) {
      await ready();
      // The user's records and forwarders; ending a forwarder ends what it moved to.
      const keys = rowsOf(await query(`SELECT \`key\` FROM ${t} WHERE user_id = ?`, [userId])).map((row) =>
        String(row.key),
      );
      return (await endSessions(endingSteps(query, t, Date.now()), keys, exceptKey)).live;
    },
    purgeExpired,
    async count() {
      await ready();
      const result = await query(`SELECT COUNT(*) AS n FROM ${t} WHERE successor IS NULL`);
      return Number(rowsOf(result)[0]?.n ?? 0);
    },
    async scan({ cursor, limit }) {
      const n = scanLimit(name, limit);
      await ready();
      // Keyset pagination over the primary key (utf8mb4_bin: byte order, same as the comparison).
      const after = cursor === undefined ? '' : '`key` > ? AND ';
      const result = await query(
        `SELECT \`key\`, ${RECORD_COLUMNS} FROM ${t} WHERE ${after}successor IS NULL ORDER BY \`key\` LIMIT ?`,
        cursor === undefined ? [n] : [cursor, n],
      );
      const entries = listed(result);
      return { entries, cursor: entries.length < n ? undefined : entries.at(-1)?.key };
    },
  };
}
