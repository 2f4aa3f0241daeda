/**
 * The SQLite session table as a Store, over any client that can run the statements of
 * `sqliteSql`: better-sqlite3 prepared statements (`sqliteStore`), or the app's ORM client
 * (stores/kysely.ts, stores/drizzle.ts). One implementation, so every client gets the same
 * statements and guarantees.
 *
 * get, create, update, touch and delete are one statement each; rotation and a create under a
 * user limit are one transaction holding the write lock (transaction-steps.ts); `delete` and
 * `deleteByUser` are single statements that re-check each row and follow forwarders.
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
import { type EndingSteps, endSessions } from '../shared/sql-ending.ts';
import { readThrough, writeThrough } from '../shared/sql-forwarding.ts';
import { mergePatch } from '../shared/sql-merge-patch.ts';
import { type SqlRow, toRecord } from '../shared/sql-row.ts';
import { patchOwner, patchWindow, type SqlPatch, type SqlTableStore } from '../shared/sql-store.ts';
import type { SqliteRow, SqliteStatementName } from './statements.ts';
import {
  createSteps,
  insertStep,
  rotateSteps,
  type SqliteOutcome,
  type SqliteSteps,
} from './transaction-steps.ts';

/** How a store talks to the database. */
export interface SqliteClient {
  /** Runs one statement of `sqliteSql` outside any transaction (its own autocommitted one). */
  exec(name: SqliteStatementName, values: readonly unknown[]): SqliteOutcome | Promise<SqliteOutcome>;
  /**
   * Runs `steps` in one transaction that holds the write lock from its first statement
   * (`BEGIN IMMEDIATE`, or a deferred one whose first statement is `writeLock`), committing when
   * they return and rolling back when they throw.
   */
  transaction<T>(steps: () => SqliteSteps<T>): T | Promise<T>;
}

/** What {@link sqliteTableStore} runs on. */
export interface SqliteTableParts {
  /** The store's `name` (`sqlite`, `kysely`, `drizzle`). */
  readonly storeName: string;
  /** The factory, as option errors name it (`sqliteStore`). */
  readonly factory: string;
  /**
   * Awaited before every call: opens, migrates or checks, and resolves the client. A rejection is
   * the call's; the next call tries again.
   */
  readonly ready: () => Promise<SqliteClient>;
  /** Validates a key before it is used (`sqliteStore` checks the store-key alphabet). Default: as is. */
  readonly key?: (key: string) => string;
  readonly purgeBatchSize: number;
  readonly pruneIntervalMs: number;
  readonly onPruneError: ((error: unknown) => void) | undefined;
  /** Runs once, after the prune timer stopped, when the store is closed (closing what it opened). */
  readonly onClose?: () => Promise<void>;
}

/** The session table as a store with every capability. */
export function sqliteTableStore(parts: SqliteTableParts): SqlTableStore {
  const { ready } = parts;
  const key = parts.key ?? ((value: string) => value);
  const rows = async (c: SqliteClient, name: SqliteStatementName, ...values: unknown[]) =>
    (await c.exec(name, values)).rows as (SqliteRow & Record<string, unknown>)[];
  const changes = async (c: SqliteClient, name: SqliteStatementName, ...values: unknown[]) =>
    (await c.exec(name, values)).changes;
  const readRow = async (c: SqliteClient, hop: string) =>
    (await rows(c, 'readRow', hop))[0] as SqlRow | undefined;

  const purgeExpired = async (): Promise<number> => {
    const c = await ready();
    return purgeInBatches(
      (forwarders, size) => changes(c, forwarders ? 'purgeForwarders' : 'purgeRecords', Date.now(), size),
      parts.purgeBatchSize,
    );
  };
  const timer = startPruneTimer(parts.pruneIntervalMs, purgeExpired, parts.onPruneError);
  let closed: Promise<void> | undefined;
  /** The statements `endSessions` runs: each its own (autocommitted) transaction. */
  const ending = (c: SqliteClient): EndingSteps => {
    const now = Date.now();
    return {
      async removeRecords(keys) {
        const gone = await rows(c, 'removeRecords', JSON.stringify(keys));
        return { removed: gone.length, live: gone.filter((row) => Number(row.expires_at) > now).length };
      },
      successors: async (keys) =>
        new Map(
          (await rows(c, 'successors', JSON.stringify(keys))).map((row) => [
            String(row.key),
            String(row.successor),
          ]),
        ),
      removeForwarders: (keys) => c.exec('removeForwarders', [JSON.stringify(keys)]),
    };
  };
  /** `update` and `updateData`: one patch statement, following a rotated-away key's forwarding. */
  const patchThrough = async (k: string, patch: SqlPatch): Promise<boolean> => {
    const c = await ready();
    const merge = mergePatch(patch);
    const now = Date.now();
    const owner = patchOwner(patch);
    const [lastSeenAt, expiresAt] = patchWindow(patch);
    return writeThrough(key(k), now, {
      attempt: async (hop) =>
        (await changes(
          c,
          'update',
          merge,
          owner === undefined ? 0 : 1,
          owner ?? null,
          lastSeenAt,
          expiresAt,
          hop,
          now,
        )) === 1,
      read: (hop) => readRow(c, hop),
    });
  };
  const listed = (found: SqliteRow[]) =>
    found.map((row): StoreEntry => ({ key: String(row.key ?? ''), record: toRecord(row) }));

  return {
    name: parts.storeName,
    reportsExpired: true,
    async get(k) {
      const c = await ready();
      return readThrough(key(k), Date.now(), (hop) => readRow(c, hop));
    },
    async create(k, record: NewStoreRecord, limit?: UserLimit) {
      const c = await ready();
      const now = Date.now();
      const { userId } = record;
      if (limit === undefined || userId === null) {
        const { name, values } = insertStep(key(k), record, now);
        return (await c.exec(name, values)).changes === 1;
      }
      return c.transaction(() => createSteps(key(k), { ...record, userId }, limit, now));
    },
    async update(k, patch: StorePatch) {
      return patchThrough(k, patch);
    },
    async updateData(k, patch: StoreDataPatch) {
      return patchThrough(k, patch);
    },
    async touch(k, window: StoreTouch) {
      const c = await ready();
      return (await changes(c, 'touch', window.lastSeenAt, window.expiresAt, key(k), Date.now())) === 1;
    },
    async rotate(oldKey, newKey, rotation) {
      const c = await ready();
      const [from, to] = [key(oldKey), key(newKey)];
      return c.transaction(() => rotateSteps(from, to, rotation, Date.now()));
    },
    async delete(k) {
      const c = await ready();
      return (await endSessions(ending(c), [key(k)])).removed > 0;
    },
    close() {
      closed ??= (async () => {
        timer.stop();
        await parts.onClose?.();
      })();
      return closed;
    },
    async listByUser(userId) {
      const c = await ready();
      return listed(await rows(c, 'listByUser', userId, Date.now()));
    },
    async deleteByUser(userId, exceptKey) {
      const c = await ready();
      // The user's records and forwarders; ending a forwarder ends what it moved to.
      const keys = (await rows(c, 'userKeys', userId)).map((row) => String(row.key));
      return (await endSessions(ending(c), keys, exceptKey)).live;
    },
    purgeExpired,
    async count() {
      const c = await ready();
      return Number((await rows(c, 'count'))[0]?.n ?? 0);
    },
    async scan({ cursor, limit }) {
      const c = await ready();
      const n = scanLimit(parts.factory, limit);
      const page =
        cursor === undefined ? await rows(c, 'scanFirst', n) : await rows(c, 'scanAfter', cursor, n);
      const entries = listed(page);
      return { entries, cursor: page.length < n ? undefined : entries.at(-1)?.key };
    },
  };
}
