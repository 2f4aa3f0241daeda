/** Options and shape the table-backed stores (SQLite, PostgreSQL, MySQL/MariaDB) share. */
import type { Store, StoreDataPatch, StorePatch } from '../../core/store.ts';

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
  Required<Pick<Store, 'listByUser' | 'deleteByUser' | 'purgeExpired' | 'count' | 'scan' | 'updateData'>>;

/**
 * What the SQL stores' patch statement takes: `update`'s patch, or `updateData`'s (a blind write),
 * which has no window: the statement then keeps `last_seen_at` and `expires_at` as they are.
 */
export type SqlPatch = StorePatch | StoreDataPatch;

/** The window a patch sets, or nulls (the statement's `COALESCE` keeps the row's own). */
export function patchWindow(patch: SqlPatch): readonly [lastSeenAt: number | null, expiresAt: number | null] {
  return 'expiresAt' in patch ? [patch.lastSeenAt, patch.expiresAt] : [null, null];
}

/** The owner change a patch carries: `userId` in `update`'s patch only. */
export function patchOwner(patch: SqlPatch): string | null | undefined {
  return 'expiresAt' in patch ? patch.userId : undefined;
}

/** A table-backed store that creates its own table: every optional capability, plus `migrate()`. */
export type SqlStore = SqlTableStore & {
  /** Creates the tables and indexes if missing. Idempotent, and safe with several processes at once. */
  migrate(): Promise<void>;
};

/** What every SQL dialect's table store is built from, besides its way of sending statements. */
export interface SqlTableParts {
  /** The store's `name` (`postgres`, `mysql`, `kysely`, `drizzle`). */
  readonly storeName: string;
  /** The factory, as option errors name it (`postgresStore`). */
  readonly factory: string;
  /** Awaited before every call: the migration, or the check that the app's migration made the table. */
  readonly ready: () => Promise<void>;
  readonly purgeBatchSize: number;
  readonly pruneIntervalMs: number;
  readonly onPruneError: ((error: unknown) => void) | undefined;
}
