/** Options and shape the table-backed stores (SQLite, PostgreSQL, MySQL/MariaDB) share. */
import type { Store } from '../../core/store.ts';

/** Options every table-backed store takes. */
export interface SqlTableOptions {
  /** Session table name (a plain identifier, at most 48 characters). Default `coatcheck_sessions`. */
  readonly table?: string;
  /** Create the tables lazily, on first use. Default `true`; with `false`, call `migrate()` yourself. */
  readonly migrate?: boolean;
  /** How often (ms) expired rows are purged in the background; `0` disables it. Default 300 000. */
  readonly pruneIntervalMs?: number;
  /** Rows deleted per purge batch, so a purge never holds many locks or blocks for long. Default 1 000. */
  readonly purgeBatchSize?: number;
  /** Receives errors of the background purge (which retries on its next tick). Default: ignored. */
  readonly onPruneError?: (error: unknown) => void;
}

/** A table-backed store: every optional capability. */
export type SqlTableStore = Store &
  Required<Pick<Store, 'listByUser' | 'deleteByUser' | 'purgeExpired' | 'count' | 'scan'>>;

/** A table-backed store that creates its own table: every optional capability, plus `migrate()`. */
export type SqlStore = SqlTableStore & {
  /** Creates the tables and indexes if missing. Idempotent, and safe with several processes at once. */
  migrate(): Promise<void>;
};
