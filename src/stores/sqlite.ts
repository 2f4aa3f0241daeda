/**
 * `coatcheck/stores/sqlite`: sessions in a SQLite table through `better-sqlite3` (Node) or
 * `bun:sqlite` (Bun), the embedded default: durable across restarts, no server to run.
 *
 * `better-sqlite3` is an optional peer dependency, imported only when the store is given a file
 * path (a handle passed in is used as is); on Bun a path is opened with `bun:sqlite` instead (the
 * `bun` condition of `#platform/sqlite-open`), same file format and schema. get, create, update, touch and delete are one prepared
 * statement each on the hot path; rotation and a create under a user limit are one `BEGIN
 * IMMEDIATE` transaction. Patches are merged inside SQLite with `json_patch`, so concurrent
 * requests that change different keys never lose each other's writes. Expired rows stay until
 * purged (`get` reports them, core ends them), in batches that yield to the event loop between them.
 *
 * `node:sqlite` is not used: this package supports Node 20, which does not have it.
 */
import type { Database } from 'better-sqlite3';
import { openDatabase } from '#platform/sqlite-open';
import { ConfigError } from '../core/errors.ts';
import { validateIdentifier } from './shared/sql-identifiers.ts';
import type { SqlStore, SqlTableOptions } from './shared/sql-store.ts';
import { checkStoreKey } from './shared/store-key.ts';
import { intervalMs, positiveInteger } from './shared/store-options.ts';
import { isSqliteHandle, type SqliteHandle, setBusyTimeout } from './sqlite/handle.ts';
import { runMigration } from './sqlite/schema.ts';
import { prepareStatements, type SqliteStatements } from './sqlite/statements.ts';
import { type SqliteClient, sqliteTableStore } from './sqlite/table-store.ts';
import {
  runStepsSync,
  type SqliteOutcome,
  type SqliteStep,
  type SqliteSteps,
} from './sqlite/transaction-steps.ts';

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions extends SqlTableOptions {
  /**
   * A `better-sqlite3` database, a `bun:sqlite` database (`new Database(path)` from `bun:sqlite`),
   * or a file path (`':memory:'` works too) that the store opens itself in WAL mode, with
   * better-sqlite3 on Node and Deno and with bun:sqlite on Bun. A handle you pass is used as is (its journal mode is yours to choose) and
   * left open by `close()`; a database the store opened is closed by `close()`.
   */
  readonly database: Database | SqliteHandle | string;
  /**
   * How long (ms) a statement waits for another connection's write lock before failing with
   * `SQLITE_BUSY`. Default 5 000 for a database the store opens; applied to a handle you pass only
   * when given.
   */
  readonly busyTimeoutMs?: number;
}

/** What {@link sqliteStore} returns: every capability, plus `migrate()`. */
export type SqliteStore = SqlStore;

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
  if (!isSqliteHandle(database) && (typeof database !== 'string' || database === '')) {
    throw new ConfigError(
      `${name}: database must be a better-sqlite3 Database, a bun:sqlite Database or a file path, got ${typeof database}.`,
    );
  }
  const table = validateIdentifier(name, 'table', options.table ?? 'coatcheck_sessions', 48);
  const batch = positiveInteger(name, 'purgeBatchSize', options.purgeBatchSize ?? 1000);
  const pruneEvery = intervalMs(name, 'pruneIntervalMs', options.pruneIntervalMs ?? 300_000);
  const busyTimeoutMs = intervalMs(name, 'busyTimeoutMs', options.busyTimeoutMs ?? 5000);
  const owned = typeof database === 'string';

  let opened: Promise<SqliteHandle> | undefined;
  const open = (): Promise<SqliteHandle> => {
    opened ??= (async () => {
      if (!owned) {
        if (options.busyTimeoutMs !== undefined) setBusyTimeout(database, busyTimeoutMs);
        return database;
      }
      return openDatabase(database, busyTimeoutMs);
    })().catch((error: unknown) => {
      opened = undefined; // e.g. a directory that does not exist yet: retried by the next call
      throw error;
    });
    return opened;
  };

  let prepared: Promise<SqliteClient> | undefined;
  const prepare = (withMigration: boolean): Promise<SqliteClient> => {
    const attempt = (async () => {
      const db = await open();
      if (withMigration) runMigration(db, table);
      return preparedClient(db, prepareStatements(db, table));
    })();
    prepared = attempt.catch((error: unknown) => {
      prepared = undefined; // a failed migration (or a missing table) is retried by the next call
      throw error;
    });
    return prepared;
  };

  return {
    ...sqliteTableStore({
      storeName: 'sqlite',
      factory: name,
      ready: () => prepared ?? prepare(options.migrate !== false),
      key: (value) => checkStoreKey(name, value),
      purgeBatchSize: batch,
      pruneIntervalMs: pruneEvery,
      onPruneError: options.onPruneError,
      async onClose() {
        if (!owned || opened === undefined) return;
        const db = await opened.catch(() => undefined);
        db?.close(); // both drivers make a second close a no-op
      },
    }),
    async migrate() {
      await prepare(true);
    },
  };
}

/**
 * The prepared statements as a {@link SqliteClient}; a transaction is the driver's synchronous
 * `BEGIN IMMEDIATE` one, so not even this process's other calls run inside it.
 */
function preparedClient(db: SqliteHandle, s: SqliteStatements): SqliteClient {
  const exec = ({ name, values }: SqliteStep): SqliteOutcome => {
    if (name === 'writeLock') return { rows: [], changes: 0 }; // BEGIN IMMEDIATE took it
    const statement = s[name];
    if (statement.reader) return { rows: statement.all(...values) as Record<string, unknown>[], changes: 0 };
    return { rows: [], changes: Number(statement.run(...values).changes) };
  };
  const transaction = db.transaction((steps: SqliteSteps<unknown>) => runStepsSync(steps, exec));
  return {
    exec: (name, values) => exec({ name, values }),
    transaction: <T>(steps: () => SqliteSteps<T>) => transaction.immediate(steps()) as T,
  };
}
