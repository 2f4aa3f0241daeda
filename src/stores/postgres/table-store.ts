/**
 * The PostgreSQL session table as a Store, over any way of sending a statement: the `pg` pool of
 * `postgresStore`, or the app's ORM client (stores/kysely.ts, stores/drizzle.ts). One
 * implementation, so every client gets the same statements, races and guarantees.
 *
 * get, create, update, updateData, touch, delete and rotate are one statement each; only a per-user limit
 * takes a transaction, holding a transaction-scoped advisory lock on the user (see transaction.ts).
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
import { readThrough, rotationBlocker, writeThrough } from '../shared/sql-forwarding.ts';
import { type KeyedSqlRow, toRecord } from '../shared/sql-row.ts';
import type { SqlPatch, SqlTableParts, SqlTableStore } from '../shared/sql-store.ts';
import type { PostgresNames } from './schema.ts';
import {
  countSql,
  endingSteps,
  insertRecord,
  listByUserSql,
  liveOfUser,
  type PostgresQuery,
  patchRecord,
  purgeSql,
  readRow,
  rotateRecord,
  scanSql,
  touchSql,
  userKeysSql,
} from './statements.ts';
import { userLockKey } from './transaction.ts';

/**
 * Runs `body` in one transaction that first takes the advisory lock `lockKey` (a signed 64-bit
 * integer literal); commits when `keep(outcome)` is true, rolls back otherwise or when it throws.
 */
export type PostgresLockedTransaction = <T>(
  lockKey: string,
  body: (query: PostgresQuery) => Promise<T>,
  keep: (outcome: T) => boolean,
) => Promise<T>;

/** What {@link postgresTableStore} runs on. */
export interface PostgresTableParts extends SqlTableParts {
  readonly names: PostgresNames;
  /** One statement, outside any transaction. */
  readonly query: PostgresQuery;
  readonly lockedTransaction: PostgresLockedTransaction;
}

/** The session table at `parts.names.table` as a store with every capability. */
export function postgresTableStore(parts: PostgresTableParts): SqlTableStore {
  const { names, query, ready, purgeBatchSize: batch } = parts;
  const t = names.table;

  /** Runs `body` under the user's lock when a limit applies, else directly as single statements. */
  const limited = <T>(
    userId: string | null,
    limit: UserLimit | undefined,
    body: (q: PostgresQuery, limit: UserLimit | undefined) => Promise<T>,
    keep: (outcome: T) => boolean,
  ): Promise<T> => {
    if (limit === undefined || userId === null) return body(query, undefined);
    return parts.lockedTransaction(userLockKey(names.identity, userId), (q) => body(q, limit), keep);
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
  const listed = (rows: unknown[]) =>
    (rows as KeyedSqlRow[]).map((row): StoreEntry => ({ key: row.key, record: toRecord(row) }));

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
      return patchThrough(key, patch);
    },
    async updateData(key, patch: StoreDataPatch) {
      return patchThrough(key, patch);
    },
    async touch(key, window: StoreTouch) {
      await ready();
      const result = await query(touchSql(t), [key, window.lastSeenAt, window.expiresAt, Date.now()]);
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
      return listed((await query(listByUserSql(t), [userId, Date.now()])).rows);
    },
    async deleteByUser(userId, exceptKey) {
      await ready();
      // The user's records and forwarders; ending a forwarder ends what it moved to.
      const { rows } = await query(userKeysSql(t), [userId]);
      const keys = (rows as { key: string }[]).map((row) => row.key);
      return (await endSessions(endingSteps(query, t, Date.now()), keys, exceptKey)).live;
    },
    purgeExpired,
    async count() {
      await ready();
      const { rows } = await query(countSql(t), []);
      return Number((rows[0] as { n: string | number } | undefined)?.n ?? 0);
    },
    async scan({ cursor, limit }) {
      const n = scanLimit(parts.factory, limit);
      await ready();
      const entries = listed((await query(scanSql(t), [cursor ?? null, n])).rows);
      return { entries, cursor: entries.length < n ? undefined : entries.at(-1)?.key };
    },
  };
}
