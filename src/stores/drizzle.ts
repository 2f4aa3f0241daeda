/**
 * `coatcheck/stores/drizzle`: sessions in the app's own database, through the Drizzle database it
 * already has (node-postgres, mysql2 or better-sqlite3), with the session table declared in the
 * app's Drizzle schema (`coatcheck/stores/drizzle/pg`, `…/mysql`, `…/sqlite`) so drizzle-kit
 * generates its migration.
 *
 * Drizzle is an optional peer: this module imports only its types, and loads it when the store is
 * first used. The statements, races and guarantees are the raw-driver stores' own (the same SQL,
 * as Drizzle `sql`); what this store adds is the start-up check of the table, transactions opened
 * with `db.transaction()` on the root database, and no connection pool of its own.
 */
import { ConfigError } from '../core/errors.ts';
import {
  type DrizzleLike,
  dialectObject,
  drizzleDialect,
  drizzleKind,
  drizzleRunner,
} from './drizzle/runner.ts';
import { type OrmStoreOptions, ormTableSettings } from './orm/options.ts';
import { ormTableStore } from './orm/table-store.ts';
import type { SqlTableStore } from './shared/sql-store.ts';

export type { DrizzleLike } from './drizzle/runner.ts';
export type { OrmStoreOptions } from './orm/options.ts';

/** Options of {@link drizzleStore}. */
export interface DrizzleStoreOptions extends OrmStoreOptions {
  /**
   * The app's Drizzle database: the root one, never a transaction's `tx` (the store opens its own
   * transactions). On PostgreSQL and MySQL give it a pool, so those transactions get a connection
   * of their own. Left open by `close()`.
   */
  readonly db: DrizzleLike;
}

/** What {@link drizzleStore} returns: every capability. */
export type DrizzleStore = SqlTableStore;

/**
 * Creates a session store on the app's Drizzle database.
 *
 * The table (default `coatcheck_sessions`) is the one the schema helpers declare, the same shape
 * as the raw-driver stores' (a table one of them created works too). Before the first call the
 * store checks it and fails with a `ConfigError` naming each missing column or index.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) for a transaction instead of the root database, a
 * dialect other than PostgreSQL, MySQL or SQLite, an invalid identifier, batch size or interval;
 * at first use, when the table is missing or does not match.
 * @example
 * import { drizzle } from 'drizzle-orm/node-postgres';
 * const db = drizzle(pool);
 * const sessions = createSessions({ store: drizzleStore({ db }) });
 */
export function drizzleStore(options: DrizzleStoreOptions): DrizzleStore {
  const factory = 'drizzleStore';
  const { db } = options;
  if (typeof db !== 'object' || db === null || typeof db.transaction !== 'function' || !dialectObject(db)) {
    throw new ConfigError(
      `${factory}: db must be a Drizzle database, got ${db === null ? 'null' : typeof db}.`,
    );
  }
  if (drizzleKind(db).endsWith('Transaction')) {
    throw new ConfigError(
      `${factory}: db is a Drizzle transaction; pass the root database, so session writes never join (or roll back with) a transaction of the app.`,
    );
  }
  const dialect = drizzleDialect(factory, db);
  const settings = ormTableSettings('drizzle', factory, 'docs/stores/drizzle.md', options);
  return ormTableStore(settings, db, () => drizzleRunner(db, dialect));
}
