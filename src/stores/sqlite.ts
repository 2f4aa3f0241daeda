/**
 * `coatcheck/stores/sqlite`: sessions in a SQLite table through `better-sqlite3`, the embedded
 * default: durable across restarts, no server to run.
 *
 * `better-sqlite3` is an optional peer dependency, imported only when the store is given a file
 * path (a handle passed in is used as is). get, create, update, touch and delete are one prepared
 * statement each on the hot path; rotation and a create under a user limit are one `BEGIN
 * IMMEDIATE` transaction. Patches are merged inside SQLite with `json_patch`, so concurrent
 * requests that change different keys never lose each other's writes. Expired rows stay until
 * purged (`get` reports them, core ends them), in batches that yield to the event loop between them.
 *
 * `node:sqlite` is not used: this package supports Node 20, which does not have it.
 */
import type { Database } from 'better-sqlite3';
import { ConfigError } from '../core/errors.ts';
import type { NewStoreRecord, StoreEntry, StorePatch, StoreTouch, UserLimit } from '../core/store.ts';
import { purgeInBatches } from './shared/batched-purge.ts';
import { startPruneTimer } from './shared/prune-timer.ts';
import { scanLimit } from './shared/scan-page.ts';
import { type EndingSteps, endSessions } from './shared/sql-ending.ts';
import { readThrough, writeThrough } from './shared/sql-forwarding.ts';
import { validateIdentifier } from './shared/sql-identifiers.ts';
import { toRecord } from './shared/sql-row.ts';
import type { SqlStore, SqlTableOptions } from './shared/sql-store.ts';
import { checkStoreKey } from './shared/store-key.ts';
import { intervalMs, positiveInteger } from './shared/store-options.ts';
import { openDatabase } from './sqlite/open.ts';
import { runMigration } from './sqlite/schema.ts';
import {
  insertRecord,
  prepareStatements,
  type SqliteRow,
  type SqliteStatements,
} from './sqlite/statements.ts';
import { prepareTransactions, type SqliteTransactions } from './sqlite/transactions.ts';

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions extends SqlTableOptions {
  /**
   * A `better-sqlite3` database, or a file path (`':memory:'` works too) that the store opens
   * itself in WAL mode. A handle you pass is used as is (its journal mode is yours to choose) and
   * left open by `close()`; a database the store opened is closed by `close()`.
   */
  readonly database: Database | string;
  /**
   * How long (ms) a statement waits for another connection's write lock before failing with
   * `SQLITE_BUSY`. Default 5 000 for a database the store opens; applied to a handle you pass only
   * when given.
   */
  readonly busyTimeoutMs?: number;
}

/** What {@link sqliteStore} returns: every capability, plus `migrate()`. */
export type SqliteStore = SqlStore;

/** What a ready store works with: the prepared statements and transactions. */
interface Prepared {
  readonly s: SqliteStatements;
  readonly tx: SqliteTransactions;
}

function isDatabase(value: unknown): value is Database {
  return typeof value === 'object' && value !== null && typeof (value as Database).prepare === 'function';
}

/**
 * Creates a SQLite session store.
 *
 * Table (default `coatcheck_sessions`, schema version 2): `key TEXT PRIMARY KEY, user_id TEXT
 * (partial index), data TEXT (JSON object), created_at/last_seen_at/expires_at/absolute_expires_at
 * INTEGER (ms, expires_at indexed), rev INTEGER, successor TEXT, readable_until INTEGER,
 * forward_writes INTEGER`; the schema version lives in `coatcheck_meta`, one row per table. A
 * rotated-away key stays as a forwarder row (`successor` set, `expires_at` = its `forwardUntil`)
 * until purged; shared/sql-row.ts describes it. A version 1 table is upgraded in place by `migrate()`.
 *
 * Races: every multi-statement step holds SQLite's write lock (`BEGIN IMMEDIATE`), so it is serial
 * with every other process on the file; `delete` and `deleteByUser` are single statements that
 * re-check each row and follow forwarders, correct in any interleaving without a transaction.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) for a missing database, an invalid table name, batch
 * size or interval; at first use, when `better-sqlite3` is missing or the table was migrated by a
 * newer coatcheck; per call, for a key that is not a valid store key.
 * @example
 * const sessions = createSessions({ store: sqliteStore({ database: './data/sessions.db' }) });
 */
export function sqliteStore(options: SqliteStoreOptions): SqliteStore {
  const name = 'sqliteStore';
  const { database } = options;
  if (!isDatabase(database) && (typeof database !== 'string' || database === '')) {
    throw new ConfigError(
      `${name}: database must be a better-sqlite3 Database or a file path, got ${typeof database}.`,
    );
  }
  const table = validateIdentifier(name, 'table', options.table ?? 'coatcheck_sessions', 48);
  const batch = positiveInteger(name, 'purgeBatchSize', options.purgeBatchSize ?? 1000);
  const pruneEvery = intervalMs(name, 'pruneIntervalMs', options.pruneIntervalMs ?? 300_000);
  const busyTimeoutMs = intervalMs(name, 'busyTimeoutMs', options.busyTimeoutMs ?? 5000);
  const owned = typeof database === 'string';

  let opened: Promise<Database> | undefined;
  const open = (): Promise<Database> => {
    opened ??= (async () => {
      if (!owned) {
        if (options.busyTimeoutMs !== undefined) database.pragma(`busy_timeout = ${busyTimeoutMs}`);
        return database;
      }
      return openDatabase(database, busyTimeoutMs);
    })().catch((error: unknown) => {
      opened = undefined; // e.g. a directory that does not exist yet: retried by the next call
      throw error;
    });
    return opened;
  };

  let prepared: Promise<Prepared> | undefined;
  const prepare = (withMigration: boolean): Promise<Prepared> => {
    const attempt = (async () => {
      const db = await open();
      if (withMigration) runMigration(db, table);
      const statements = prepareStatements(db, table);
      return { s: statements, tx: prepareTransactions(db, statements) };
    })();
    prepared = attempt.catch((error: unknown) => {
      prepared = undefined; // a failed migration (or a missing table) is retried by the next call
      throw error;
    });
    return prepared;
  };
  const ready = (): Promise<Prepared> => prepared ?? prepare(options.migrate !== false);
  const key = (value: string) => checkStoreKey(name, value);

  const purgeExpired = async (): Promise<number> => {
    const { s } = await ready();
    return purgeInBatches(
      (forwarders, size) => (forwarders ? s.purgeForwarders : s.purgeRecords).run(Date.now(), size).changes,
      batch,
    );
  };
  const timer = startPruneTimer(pruneEvery, purgeExpired, options.onPruneError);
  let closed: Promise<void> | undefined;
  /** The statements `endSessions` runs: each its own (autocommitted) transaction. */
  const ending = (s: SqliteStatements): EndingSteps => {
    const now = Date.now();
    return {
      removeRecords(keys) {
        const gone = s.removeRecords.all(JSON.stringify(keys));
        return { removed: gone.length, live: gone.filter((row) => row.expires_at > now).length };
      },
      successors: (keys) =>
        new Map(s.successors.all(JSON.stringify(keys)).map((row) => [row.key, row.successor])),
      removeForwarders: (keys) => s.removeForwarders.run(JSON.stringify(keys)),
    };
  };
  const listed = (rows: SqliteRow[]) =>
    rows.map((row): StoreEntry => ({ key: row.key ?? '', record: toRecord(row) }));

  return {
    name: 'sqlite',
    reportsExpired: true,
    async migrate() {
      await prepare(true);
    },
    async get(k) {
      const { s } = await ready();
      return readThrough(key(k), Date.now(), (hop) => s.readRow.get(hop));
    },
    async create(k, record: NewStoreRecord, limit?: UserLimit) {
      const { s, tx } = await ready();
      if (limit === undefined || record.userId === null) return insertRecord(s, key(k), record, Date.now());
      return tx.create(key(k), record, limit, Date.now());
    },
    async update(k, patch: StorePatch) {
      const { s } = await ready();
      // A merge patch: set members replace, `null` members delete (values are strings, never null).
      const merge = JSON.stringify(
        Object.fromEntries([
          ...patch.del.map((name): [string, null] => [name, null]),
          ...Object.entries(patch.set),
        ]),
      );
      const now = Date.now();
      const owner = patch.userId === undefined ? 0 : 1;
      const { lastSeenAt, expiresAt } = patch;
      return writeThrough(key(k), now, {
        attempt: (hop) =>
          s.update.run(merge, owner, patch.userId ?? null, lastSeenAt, expiresAt, hop, now).changes === 1,
        read: (hop) => s.readRow.get(hop),
      });
    },
    async touch(k, window: StoreTouch) {
      const { s } = await ready();
      return s.touch.run(window.lastSeenAt, window.expiresAt, key(k), Date.now()).changes === 1;
    },
    async rotate(oldKey, newKey, rotation) {
      const { tx } = await ready();
      return tx.rotate(key(oldKey), key(newKey), rotation, Date.now());
    },
    async delete(k) {
      const { s } = await ready();
      return (await endSessions(ending(s), [key(k)])).removed > 0;
    },
    close() {
      closed ??= (async () => {
        timer.stop();
        if (!owned || opened === undefined) return;
        const db = await opened.catch(() => undefined);
        if (db?.open) db.close();
      })();
      return closed;
    },
    async listByUser(userId) {
      const { s } = await ready();
      return listed(s.listByUser.all(userId, Date.now()));
    },
    async deleteByUser(userId, exceptKey) {
      const { s } = await ready();
      // The user's records and forwarders; ending a forwarder ends what it moved to.
      const keys = s.userKeys.all(userId).map((row) => row.key);
      return (await endSessions(ending(s), keys, exceptKey)).live;
    },
    purgeExpired,
    async count() {
      return (await ready()).s.count.get()?.n ?? 0;
    },
    async scan({ cursor, limit }) {
      const { s } = await ready();
      const n = scanLimit(name, limit);
      const rows = cursor === undefined ? s.scanFirst.all(n) : s.scanAfter.all(cursor, n);
      const entries = listed(rows);
      return { entries, cursor: rows.length < n ? undefined : entries.at(-1)?.key };
    },
  };
}
