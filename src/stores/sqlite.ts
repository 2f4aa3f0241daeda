/**
 * `coatcheck/stores/sqlite`: sessions in a SQLite table through `better-sqlite3`, the embedded
 * default: durable across restarts, no server to run.
 *
 * `better-sqlite3` is an optional peer dependency, imported only when the store is given a file
 * path (a handle passed in is used as is). Every operation is one prepared statement or one
 * transaction; patches are merged inside SQLite with `json_patch`, so concurrent requests that
 * change different keys never lose each other's writes. Expired rows are hidden on read and purged
 * in batches that yield to the event loop between them.
 *
 * `node:sqlite` is not used: this package supports Node 20, which does not have it.
 */
import type { Database } from 'better-sqlite3';
import { ConfigError } from '../core/errors.ts';
import type { NewStoreRecord, StoreEntry, StorePatch, StoreTouch } from '../core/store.ts';
import { startPruneTimer } from './shared/prune-timer.ts';
import { scanLimit } from './shared/scan-page.ts';
import { validateIdentifier } from './shared/sql-identifiers.ts';
import type { SqlStore, SqlTableOptions } from './shared/sql-store.ts';
import { checkStoreKey } from './shared/store-key.ts';
import { intervalMs, positiveInteger } from './shared/store-options.ts';
import { openDatabase } from './sqlite/open.ts';
import { runMigration } from './sqlite/schema.ts';
import { prepareStatements, type SqliteStatements, toRecord } from './sqlite/statements.ts';

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

function isDatabase(value: unknown): value is Database {
  return typeof value === 'object' && value !== null && typeof (value as Database).prepare === 'function';
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Creates a SQLite session store.
 *
 * Table (default `coatcheck_sessions`): `key TEXT PRIMARY KEY, user_id TEXT (partial index),
 * data TEXT (JSON object), created_at/last_seen_at/expires_at/absolute_expires_at INTEGER (ms,
 * expires_at indexed), rev INTEGER`; the schema version lives in `coatcheck_meta`, one row per table.
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

  let prepared: Promise<SqliteStatements> | undefined;
  const prepare = (withMigration: boolean): Promise<SqliteStatements> => {
    const attempt = (async () => {
      const db = await open();
      if (withMigration) runMigration(db, table);
      return prepareStatements(db, table);
    })();
    prepared = attempt.catch((error: unknown) => {
      prepared = undefined; // a failed migration (or a missing table) is retried by the next call
      throw error;
    });
    return prepared;
  };
  const ready = (): Promise<SqliteStatements> => prepared ?? prepare(options.migrate !== false);
  const key = (value: string) => checkStoreKey(name, value);

  const purgeExpired = async (): Promise<number> => {
    const statements = await ready();
    let removed = 0;
    for (;;) {
      const deleted = statements.purgeBatch.run(Date.now(), batch).changes;
      removed += deleted;
      if (deleted < batch) return removed;
      await yieldToEventLoop(); // one batch at a time: requests run between batches
    }
  };
  const timer = startPruneTimer(pruneEvery, purgeExpired, options.onPruneError);
  let closed: Promise<void> | undefined;

  return {
    name: 'sqlite',
    async migrate() {
      await prepare(true);
    },
    async get(k) {
      const row = (await ready()).get.get(key(k), Date.now());
      return row === undefined ? undefined : toRecord(row);
    },
    async create(k, record: NewStoreRecord) {
      const result = (await ready()).create.run(
        key(k),
        JSON.stringify(record.data),
        record.userId,
        record.createdAt,
        record.lastSeenAt,
        record.expiresAt,
        record.absoluteExpiresAt,
        Date.now(),
      );
      return result.changes === 1;
    },
    async update(k, patch: StorePatch) {
      // A merge patch: set members replace, `null` members delete (values are strings, never null).
      const merge = Object.fromEntries([
        ...patch.del.map((name): [string, null] => [name, null]),
        ...Object.entries(patch.set),
      ]);
      const result = (await ready()).update.run(
        JSON.stringify(merge),
        patch.userId === undefined ? 0 : 1,
        patch.userId ?? null,
        patch.lastSeenAt,
        patch.expiresAt,
        key(k),
        Date.now(),
      );
      return result.changes === 1;
    },
    async touch(k, window: StoreTouch) {
      const statements = await ready();
      return statements.touch.run(window.lastSeenAt, window.expiresAt, key(k), Date.now()).changes === 1;
    },
    async delete(k) {
      (await ready()).delete.run(key(k));
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
      const rows = (await ready()).listByUser.all(userId, Date.now());
      return rows.map((row): StoreEntry => ({ key: row.key ?? '', record: toRecord(row) }));
    },
    async deleteByUser(userId, exceptKey) {
      const statements = await ready();
      const except = exceptKey ?? null;
      const db = await open();
      // Only live sessions count as logged out; expired rows of the user go too.
      return db.transaction(() => {
        const live = statements.countUserLive.get(userId, except, except, Date.now())?.n ?? 0;
        statements.deleteUser.run(userId, except, except);
        return live;
      })();
    },
    purgeExpired,
    async count() {
      return (await ready()).count.get()?.n ?? 0;
    },
    async scan({ cursor, limit }) {
      const statements = await ready();
      const n = scanLimit(name, limit);
      const rows = cursor === undefined ? statements.scanFirst.all(n) : statements.scanAfter.all(cursor, n);
      const entries = rows.map((row): StoreEntry => ({ key: row.key ?? '', record: toRecord(row) }));
      return { entries, cursor: rows.length < n ? undefined : entries.at(-1)?.key };
    },
  };
}
