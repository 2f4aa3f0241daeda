/**
 * `coatcheck/stores/kysely`: sessions in the app's own database, through the Kysely instance it
 * already has (PostgreSQL, MySQL/MariaDB or SQLite), with the session table created by the app's
 * Kysely migrator ({@link kyselySessionMigration}).
 *
 * Kysely is an optional peer: this module imports only its types, and loads it when the store is
 * first used. The statements, races and guarantees are the raw-driver stores' own (the same SQL,
 * through `executeQuery`); what this store adds is the start-up check of the table, transactions
 * opened with `db.transaction()` on the root instance, and no connection pool of its own.
 */
import { ConfigError } from '../core/errors.ts';
import { type KyselyLike, kyselyDialect, kyselyRunner } from './kysely/runner.ts';
import { type OrmStoreOptions, ormTableSettings } from './orm/options.ts';
import type { OrmDialect } from './orm/runner.ts';
import { ormTableStore } from './orm/table-store.ts';
import type { SqlTableStore } from './shared/sql-store.ts';

export { type KyselySessionMigrationOptions, kyselySessionMigration } from './kysely/migration.ts';
export type { KyselyExecutorLike, KyselyLike } from './kysely/runner.ts';
export type { OrmStoreOptions } from './orm/options.ts';

/** Options of {@link kyselyStore}. */
export interface KyselyStoreOptions extends OrmStoreOptions {
  /**
   * The app's Kysely instance: the root one, never a `Transaction` (the store opens its own
   * transactions, each on a connection of its own). Left open by `close()`.
   */
  readonly db: KyselyLike;
  /** The SQL dialect; default: told from the instance's adapter. */
  readonly dialect?: OrmDialect;
}

/** What {@link kyselyStore} returns: every capability. */
export type KyselyStore = SqlTableStore;

/**
 * Creates a session store on the app's Kysely instance.
 *
 * The table (default `coatcheck_sessions`) is the one {@link kyselySessionMigration} creates, the
 * same shape as the raw-driver stores' (a table one of them created works too). Before the first
 * call the store checks it and fails with a `ConfigError` naming each missing column or index.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) for a `Transaction` instead of the root instance, an
 * invalid identifier, batch size or interval; at first use, when the table is missing or does not
 * match, or `schema` is given for a database other than PostgreSQL.
 * @example
 * import { Kysely, PostgresDialect } from 'kysely';
 * const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
 * const sessions = createSessions({ store: kyselyStore({ db }) });
 */
export function kyselyStore(options: KyselyStoreOptions): KyselyStore {
  const factory = 'kyselyStore';
  const { db } = options;
  if (typeof db !== 'object' || db === null || typeof db.executeQuery !== 'function') {
    throw new ConfigError(
      `${factory}: db must be a Kysely instance, got ${db === null ? 'null' : typeof db}.`,
    );
  }
  if (db.isTransaction) {
    throw new ConfigError(
      `${factory}: db is a Kysely Transaction; pass the root Kysely instance, so session writes never join (or roll back with) a transaction of the app.`,
    );
  }
  const settings = ormTableSettings('kysely', factory, 'docs/stores/kysely.md', options);
  return ormTableStore(settings, db, () => kyselyRunner(db, kyselyDialect(factory, db, options.dialect)));
}
