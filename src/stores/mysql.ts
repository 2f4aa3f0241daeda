/**
 * `coatcheck/stores/mysql`: sessions in a MySQL 8 or MariaDB 10.11 table, through a `mysql2/promise`
 * pool.
 *
 * Patches are one `UPDATE ... SET data = JSON_MERGE_PATCH(data, ?)` (RFC 7396: set keys carry their
 * string value, deleted keys `null`), so they are atomic under the row lock, need no JSON path
 * quoting (any key works: quotes, `$`, dots, unicode) and concurrent disjoint patches all survive.
 * Expiry is indexed and compared against the app's clock; purge deletes in batches.
 */
import type { NewStoreRecord, StoreEntry, StorePatch, StoreTouch } from '../core/store.ts';
import { runMigration } from './mysql/schema.ts';
import { type PostgresRecordRow as RecordRow, toRecord } from './postgres/rows.ts';
import { onceUntilSuccess } from './shared/once-until-success.ts';
import { startPruneTimer } from './shared/prune-timer.ts';
import { scanLimit } from './shared/scan-page.ts';
import { quoteMysql, validateIdentifier } from './shared/sql-identifiers.ts';
import type { SqlStore, SqlTableOptions } from './shared/sql-store.ts';
import { intervalMs, positiveInteger } from './shared/store-options.ts';

/** A connection checked out of the pool (`mysql2/promise` `PoolConnection`). */
export interface MysqlConnectionLike {
  query(sql: string, values?: unknown): Promise<unknown>;
  release(): void;
}

/**
 * What the store needs: `query(sql, values)` resolving to `[rows or result header, fields]`, as
 * `mysql2/promise` pools and connections do, and ideally `getConnection()` (the migration holds a
 * named lock on one connection; without it, `query` must always use the same connection).
 */
export interface MysqlQueryable {
  query(sql: string, values?: unknown): Promise<unknown>;
  getConnection?(): Promise<MysqlConnectionLike>;
}

/** Options of {@link mysqlStore}. */
export interface MysqlStoreOptions extends SqlTableOptions {
  /**
   * A `mysql2/promise` pool (`createPool`), left open by `close()`. Keep mysql2's default utf8mb4
   * charset; set `connectTimeout` so a dead server fails fast (core also bounds every call).
   */
  readonly pool: MysqlQueryable;
}

/** What {@link mysqlStore} returns: every capability, plus `migrate()`. */
export type MysqlStore = SqlStore;

interface ResultHeader {
  readonly affectedRows?: number;
  readonly info?: string;
}

function rowsOf(result: unknown): Record<string, unknown>[] {
  const rows = (result as [unknown])[0];
  return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
}

/**
 * Rows an UPDATE matched, whether or not it changed them: mysql2 sets CLIENT_FOUND_ROWS by default,
 * but a pool configured without it reports only changed rows, which would make a touch with the
 * same window look like a miss. The server's info line always has the matched count.
 */
function matchedRows(result: unknown): number {
  const header = (result as [ResultHeader])[0];
  const matched = /Rows matched: (\d+)/.exec(header.info ?? '');
  return matched ? Number(matched[1]) : (header.affectedRows ?? 0);
}

const COLUMNS = 'data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev';

/**
 * Creates a MySQL 8 / MariaDB 10.11 session store.
 *
 * Table (default `coatcheck_sessions`, utf8mb4_bin): `` `key` VARCHAR(255) primary key, user_id
 * VARCHAR(255) (indexed), data JSON, created_at/last_seen_at/expires_at/absolute_expires_at BIGINT
 * (ms, expires_at indexed), rev INT``, plus `<table>_meta` holding the schema version.
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
  const { pool } = options;

  // A failed migration (database down) is retried by the next call.
  const migrate = onceUntilSuccess(async () => {
    if (typeof pool.getConnection !== 'function') {
      await runMigration(pool, table, (result) => rowsOf(result)[0]);
      return;
    }
    const connection = await pool.getConnection();
    try {
      await runMigration(connection, table, (result) => rowsOf(result)[0]);
    } finally {
      connection.release();
    }
  });
  const ready = options.migrate === false ? () => Promise.resolve() : migrate;

  const purgeExpired = async (): Promise<number> => {
    await ready();
    let removed = 0;
    for (;;) {
      const result = await pool.query(`DELETE FROM ${t} WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`, [
        Date.now(),
        batch,
      ]);
      const deleted = (result as [ResultHeader])[0].affectedRows ?? 0;
      removed += deleted;
      if (deleted < batch) return removed;
    }
  };
  const timer = startPruneTimer(pruneEvery, purgeExpired, options.onPruneError);

  return {
    name: 'mysql',
    migrate,
    async get(key) {
      await ready();
      const result = await pool.query(`SELECT ${COLUMNS} FROM ${t} WHERE \`key\` = ? AND expires_at > ?`, [
        key,
        Date.now(),
      ]);
      const row = rowsOf(result)[0] as RecordRow | undefined;
      return row === undefined ? undefined : toRecord(row);
    },
    async create(key, record: NewStoreRecord) {
      await ready();
      const columns = [
        JSON.stringify(record.data),
        record.userId,
        record.createdAt,
        record.lastSeenAt,
        record.expiresAt,
        record.absoluteExpiresAt,
      ];
      try {
        // New keys are random, so the plain INSERT almost always succeeds: one round trip.
        await pool.query(
          `INSERT INTO ${t} (\`key\`, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev)
           VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
          [key, ...columns],
        );
        return true;
      } catch (error) {
        if ((error as { errno?: unknown }).errno !== 1062) throw error;
      }
      // The key exists: take it over only if that row is dead (atomic under the row lock).
      const result = await pool.query(
        `UPDATE ${t} SET data = ?, user_id = ?, created_at = ?, last_seen_at = ?, expires_at = ?,
           absolute_expires_at = ?, rev = 1 WHERE \`key\` = ? AND expires_at <= ?`,
        [...columns, key, Date.now()],
      );
      return matchedRows(result) === 1;
    },
    async update(key, patch: StorePatch) {
      await ready();
      const mergePatch = Object.fromEntries<string | null>([
        ...Object.entries(patch.set),
        ...patch.del.map((name): [string, null] => [name, null]),
      ]);
      const result = await pool.query(
        `UPDATE ${t} SET data = JSON_MERGE_PATCH(data, ?), user_id = IF(?, user_id, ?),
           last_seen_at = ?, expires_at = ?, rev = rev + 1
         WHERE \`key\` = ? AND expires_at > ?`,
        [
          JSON.stringify(mergePatch),
          patch.userId === undefined,
          patch.userId ?? null,
          patch.lastSeenAt,
          patch.expiresAt,
          key,
          Date.now(),
        ],
      );
      return matchedRows(result) === 1;
    },
    async touch(key, window: StoreTouch) {
      await ready();
      const result = await pool.query(
        `UPDATE ${t} SET last_seen_at = ?, expires_at = ? WHERE \`key\` = ? AND expires_at > ?`,
        [window.lastSeenAt, window.expiresAt, key, Date.now()],
      );
      return matchedRows(result) === 1;
    },
    async delete(key) {
      await ready();
      await pool.query(`DELETE FROM ${t} WHERE \`key\` = ?`, [key]);
    },
    async close() {
      timer.stop();
    },
    async listByUser(userId) {
      await ready();
      const result = await pool.query(
        `SELECT \`key\`, ${COLUMNS} FROM ${t} WHERE user_id = ? AND expires_at > ?`,
        [userId, Date.now()],
      );
      return (rowsOf(result) as unknown as (RecordRow & { key: string })[]).map(
        (row): StoreEntry => ({ key: row.key, record: toRecord(row) }),
      );
    },
    async deleteByUser(userId, exceptKey) {
      await ready();
      // Only live sessions count as logged out; the user's expired rows are left to the purge.
      const result = await pool.query(
        `DELETE FROM ${t} WHERE user_id = ? AND (? IS NULL OR \`key\` <> ?) AND expires_at > ?`,
        [userId, exceptKey ?? null, exceptKey ?? null, Date.now()],
      );
      return (result as [ResultHeader])[0].affectedRows ?? 0;
    },
    purgeExpired,
    async count() {
      await ready();
      const result = await pool.query(`SELECT COUNT(*) AS n FROM ${t}`);
      return Number(rowsOf(result)[0]?.n ?? 0);
    },
    async scan({ cursor, limit }) {
      const n = scanLimit(name, limit);
      await ready();
      // Keyset pagination over the primary key (utf8mb4_bin: byte order, same as the comparison).
      const result =
        cursor === undefined
          ? await pool.query(`SELECT \`key\`, ${COLUMNS} FROM ${t} ORDER BY \`key\` LIMIT ?`, [n])
          : await pool.query(
              `SELECT \`key\`, ${COLUMNS} FROM ${t} WHERE \`key\` > ? ORDER BY \`key\` LIMIT ?`,
              [cursor, n],
            );
      const entries = (rowsOf(result) as unknown as (RecordRow & { key: string })[]).map(
        (row): StoreEntry => ({ key: row.key, record: toRecord(row) }),
      );
      return { entries, cursor: entries.length < n ? undefined : entries.at(-1)?.key };
    },
  };
}
