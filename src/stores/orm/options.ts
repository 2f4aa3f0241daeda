/**
 * The options every ORM store takes, and their validation: the same table options as the
 * raw-driver stores, less the migration (the app's migrations own the table).
 */
import { validateIdentifier } from '../shared/sql-identifiers.ts';
import { intervalMs, positiveInteger } from '../shared/store-options.ts';
import type { OrmTableSettings } from './table-store.ts';

/** Options of every ORM store. */
export interface OrmStoreOptions {
  /** The session table's name (a plain identifier, at most 48 characters). Default `coatcheck_sessions`. */
  readonly table?: string;
  /** PostgreSQL only: the schema holding the table. Default: the connection's `search_path`. */
  readonly schema?: string;
  /**
   * Check before the first call that the table has every column and index the store needs, and
   * fail with a `ConfigError` naming what is missing. Default `true`.
   */
  readonly checkTable?: boolean;
  /** How often (ms) expired rows are purged in the background; `0` disables it. Default 300 000. */
  readonly pruneIntervalMs?: number;
  /** Rows deleted per purge batch. Default 1 000. */
  readonly purgeBatchSize?: number;
  /** Receives errors of the background purge (which retries on its next tick). Default: ignored. */
  readonly onPruneError?: (error: unknown) => void;
  /** MySQL/MariaDB: called with each deadlock a transaction was run again after. Default: none. */
  readonly onRetry?: (error: unknown) => void;
}

/**
 * Validates `options` for the store `storeName` made by `factory`.
 * @throws ConfigError (`COATCHECK_CONFIG`) naming the option, for an invalid identifier, batch size or interval.
 */
export function ormTableSettings(
  storeName: string,
  factory: string,
  docs: string,
  options: OrmStoreOptions,
): OrmTableSettings {
  return {
    storeName,
    factory,
    docs,
    table: validateIdentifier(factory, 'table', options.table ?? 'coatcheck_sessions', 48),
    schema:
      options.schema === undefined ? undefined : validateIdentifier(factory, 'schema', options.schema, 63),
    check: options.checkTable !== false,
    purgeBatchSize: positiveInteger(factory, 'purgeBatchSize', options.purgeBatchSize ?? 1000),
    pruneIntervalMs: intervalMs(factory, 'pruneIntervalMs', options.pruneIntervalMs ?? 300_000),
    onPruneError: options.onPruneError,
    onRetry: options.onRetry,
  };
}
