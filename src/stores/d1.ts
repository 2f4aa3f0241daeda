/**
 * `coatcheck/stores/d1`: sessions in a Cloudflare D1 database, from Workers (or Pages Functions)
 * through the D1 binding, with every lifecycle guarantee.
 *
 * D1 is SQLite, so the table and its statements are the SQLite store's: get, create, update, touch
 * and delete are one statement each (patches merged inside SQLite with `json_patch`). D1 has no
 * interactive transactions; the two multi-step operations, rotation and a create under a user
 * limit, are each one atomic `batch()` whose statements are conditional on what the ones before
 * them did (d1/statements.ts), so nothing runs between their read and their writes. Every write
 * goes to the database's primary, one at a time, which is what makes each batch atomic.
 * Nothing is imported from Cloudflare: the binding is typed structurally (d1/binding.ts).
 */
import type { NewStoreRecord, UserLimit } from '../core/store.ts';
import { d1Batches } from './d1/batches.ts';
import { checkD1Binding, type D1Binding, type D1Statement } from './d1/binding.ts';
import { migrateD1 } from './d1/migration.ts';
import { validateIdentifier } from './shared/sql-identifiers.ts';
import type { SqlStore } from './shared/sql-store.ts';
import { checkStoreKey } from './shared/store-key.ts';
import { intervalMs, positiveInteger } from './shared/store-options.ts';
import { type SqliteStatementName, sqliteSql } from './sqlite/statements.ts';
import { type SqliteClient, sqliteTableStore } from './sqlite/table-store.ts';

export type { D1Binding, D1Result, D1Statement, D1Value } from './d1/binding.ts';

/** Options of {@link d1Store}. */
export interface D1StoreOptions {
  /** The D1 binding, `env.DB` (declared under `[[d1_databases]]` in the wrangler config). Required. */
  readonly database: D1Binding;
  /** Session table name (a plain identifier, at most 48 characters). Default `coatcheck_sessions`. */
  readonly table?: string;
  /**
   * Create the table on first use. Default `true`; with `false`, create it beforehand with
   * `migrate()` or a wrangler migration holding the SQLite store's schema (docs/stores/d1.md).
   */
  readonly migrate?: boolean;
  /**
   * How often (ms) expired rows are purged in the background. Default `0` (off): Workers forbid
   * timers outside a request, so call `purgeExpired()` from a Cron Trigger instead.
   */
  readonly pruneIntervalMs?: number;
  /** Rows deleted per purge statement. Default 1 000. */
  readonly purgeBatchSize?: number;
  /** Receives errors of the background purge, when enabled. Default: ignored. */
  readonly onPruneError?: (error: unknown) => void;
}

/** What {@link d1Store} returns: every capability, plus `migrate()`. */
export type D1Store = SqlStore;

/**
 * Creates a D1 session store over a D1 binding. Same table and schema version as `sqliteStore`.
 *
 * Guarantees (all of the Store contract): one live ticket per session, logout wins over a
 * rotation in flight, no resurrection, an atomic `maxSessionsPerUser`. Reads go to the primary
 * (D1 without read replication, or a session bookmark that starts at the primary), so a read
 * after a write sees it.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) when `database` is not a D1 binding (the message says
 * which binding you passed instead), for an invalid table name, batch size or interval; at first
 * use, when the table has another schema version; per call, for a key that is not a store key.
 * @example
 * export default {
 *   async fetch(request, env) {
 *     const sessions = createSessions({ store: d1Store({ database: env.DB }) });
 *     // …
 *   },
 * };
 */
export function d1Store(options: D1StoreOptions): D1Store {
  const name = 'd1Store';
  const db = checkD1Binding(name, (options as { database?: unknown } | undefined)?.database);
  const table = validateIdentifier(name, 'table', options.table ?? 'coatcheck_sessions', 48);
  const batch = positiveInteger(name, 'purgeBatchSize', options.purgeBatchSize ?? 1000);
  const pruneEvery = intervalMs(name, 'pruneIntervalMs', options.pruneIntervalMs ?? 0);
  const sql = sqliteSql(table);
  const prepared = new Map<SqliteStatementName, D1Statement>();
  const client: SqliteClient = {
    async exec(statement, values) {
      const ready = prepared.get(statement) ?? db.prepare(sql[statement]);
      prepared.set(statement, ready);
      const result = await ready.bind(...(values as (string | number | null)[])).all();
      return { rows: result.results ?? [], changes: result.meta.changes ?? 0 };
    },
    // Only the SQLite store's rotate and limited create open one; this store replaces both with batches.
    transaction() {
      throw new Error('d1Store: D1 has no interactive transactions');
    },
  };
  let migrated: Promise<SqliteClient> | undefined;
  const migrate = () => {
    migrated ??= migrateD1(db, table).then(
      () => client,
      (error: unknown) => {
        migrated = undefined; // retried by the next call
        throw error;
      },
    );
    return migrated;
  };
  const ready = options.migrate === false ? async () => client : migrate;
  const base = sqliteTableStore({
    storeName: 'd1',
    factory: name,
    ready,
    key: (value) => checkStoreKey(name, value),
    purgeBatchSize: batch,
    pruneIntervalMs: pruneEvery,
    onPruneError: options.onPruneError,
  });
  const batches = d1Batches(db, table);
  return {
    ...base,
    async create(key, record: NewStoreRecord, limit?: UserLimit) {
      const { userId } = record;
      if (limit === undefined || userId === null) return base.create(key, record);
      await ready();
      return batches.create(checkStoreKey(name, key), { ...record, userId }, limit);
    },
    async rotate(oldKey, newKey, rotation) {
      await ready();
      return batches.rotate(checkStoreKey(name, oldKey), checkStoreKey(name, newKey), rotation);
    },
    async migrate() {
      await migrate();
    },
  };
}
