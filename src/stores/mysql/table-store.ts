/**
 * The MySQL/MariaDB session table as a Store, over any way of sending a statement: the
 * `mysql2/promise` pool of `mysqlStore`, or the app's ORM client (stores/kysely.ts,
 * stores/drizzle.ts). One implementation, so every client gets the same statements and races.
 *
 * get, create, update, touch and delete are one statement each; rotation (and a create under a
 * user limit) is a short transaction, holding a named lock on the user when a limit applies.
 */
import type {
  NewStoreRecord,
  StoreDataPatch,
  StoreEntry,
  StorePatch,
  StoreTouch,
  UserLimit,
} from '../../core/store.ts';
import { purgeInBatches } from '../shared/batched-purge.ts';
import { startPruneTimer } from '../shared/prune-timer.ts';
import { scanLimit } from '../shared/scan-page.ts';
import { endSessions, enforceLimit } from '../shared/sql-ending.ts';
import { readThrough, writeThrough } from '../shared/sql-forwarding.ts';
import { quoteMysql } from '../shared/sql-identifiers.ts';
import { type KeyedSqlRow, RECORD_COLUMNS, toRecord } from '../shared/sql-row.ts';
import type { SqlPatch, SqlTableParts, SqlTableStore } from '../shared/sql-store.ts';
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
} from './statements.ts';

/** How a transaction of {@link mysqlTableStore} is run. */
export interface MysqlTransactionOptions<T> {
  /**
   * A named lock (`GET_LOCK`) to hold while the transaction runs, given when a user limit applies:
   * logins of one user queue on it.
   */
  readonly lock: string | undefined;
  /** Commit when true for the outcome, roll back otherwise. */
  readonly keep: (outcome: T) => boolean;
}

/** Runs `body` in one transaction, retried as a whole when InnoDB picks it as a deadlock victim. */
export type MysqlTransaction = <T>(
  body: (query: MysqlQuery) => Promise<T>,
  options: MysqlTransactionOptions<T>,
) => Promise<T>;

/** What {@link mysqlTableStore} runs on. */
export interface MysqlTableParts extends SqlTableParts {
  /** The validated, unquoted table name. */
  readonly table: string;
  /** One statement, outside any transaction, resolving as mysql2 does (`[rows or result header, …]`). */
  readonly query: MysqlQuery;
  readonly transaction: MysqlTransaction;
  /**
   * Whether the limit's read of the user's sessions must be a locking read (`FOR UPDATE`): when
   * the transaction releases the user's named lock before it commits (an ORM's transaction API
   * gives the connection back at commit), the next holder's locking read waits for that commit
   * instead of reading a snapshot that misses it.
   */
  readonly lockingLimitRead: boolean;
}

/** The session table `parts.table` as a store with every capability. */
export function mysqlTableStore(parts: MysqlTableParts): SqlTableStore {
  const { table, query, ready, purgeBatchSize: batch } = parts;
  const t = quoteMysql(table);

  /** Applies `limit` once the session at `newKey` is written: `'limit'` means roll back. */
  const admit = async (q: MysqlQuery, userId: string, limit: UserLimit, newKey: string, now: number) =>
    enforceLimit(
      await liveOfUser(q, t, userId, newKey, now, parts.lockingLimitRead),
      limit,
      endingSteps(q, t, now),
    );
  const userLock = (userId: string) => `${table}:user:${userId}`;

  const purgeExpired = async (): Promise<number> => {
    await ready();
    return purgeInBatches(async (forwarders, size) => {
      const kind = forwarders ? 'successor IS NOT NULL' : 'successor IS NULL';
      const sql = `DELETE FROM ${t} WHERE expires_at <= ? AND ${kind} ORDER BY expires_at LIMIT ?`;
      return affectedRows(await query(sql, [Date.now(), size]));
    }, batch);
  };
  const timer = startPruneTimer(parts.pruneIntervalMs, purgeExpired, parts.onPruneError);
  /** `update` and `updateData`: one patch statement, following a rotated-away key's forwarding. */
  const patchThrough = async (key: string, patch: SqlPatch): Promise<boolean> => {
    await ready();
    const now = Date.now();
    return writeThrough(key, now, {
      attempt: (hop) => patchRecord(query, t, hop, patch, now),
      read: (hop) => readRow(query, t, hop),
    });
  };
  const listed = (result: unknown) =>
    (rowsOf(result) as unknown as KeyedSqlRow[]).map(
      (row): StoreEntry => ({ key: row.key, record: toRecord(row) }),
    );

  return {
    name: parts.storeName,
    reportsExpired: true,
    async get(key) {
      await ready();
      return readThrough(key, Date.now(), (hop) => readRow(query, t, hop));
    },
    async create(key, record: NewStoreRecord, limit?: UserLimit) {
      await ready();
      const now = Date.now();
      const { userId } = record;
      if (limit === undefined || userId === null) return insertRecord(query, t, key, record, now);
      return parts.transaction(
        async (q) => {
          if (!(await insertRecord(q, t, key, record, now))) return false;
          return (await admit(q, userId, limit, key, now)) === 'limit' ? 'limit' : true;
        },
        { lock: userLock(userId), keep: (outcome) => outcome === true },
      );
    },
    async update(key, patch: StorePatch) {
      return patchThrough(key, patch);
    },
    async updateData(key, patch: StoreDataPatch) {
      return patchThrough(key, patch);
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
      return parts.transaction(
        async (q) => {
          const outcome = await rotateRecord(q, t, { oldKey, newKey }, rotation, now);
          if (outcome !== 'rotated' || limit === undefined || userId === null) return outcome;
          return (await admit(q, userId, limit, newKey, now)) === 'limit' ? 'limit' : 'rotated';
        },
        {
          lock: limit === undefined || userId === null ? undefined : userLock(userId),
          keep: (outcome) => outcome === 'rotated',
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
      const n = scanLimit(parts.factory, limit);
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
