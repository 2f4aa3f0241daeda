/** Shapes several stores' public types share. */
import type { Store } from '../../core/store.ts';

/** A store with every optional capability: user index, purge, count and scan. */
export type FullStore = Store &
  Required<Pick<Store, 'listByUser' | 'deleteByUser' | 'purgeExpired' | 'count' | 'scan'>>;

/** The options of a store that purges expired records in the background. */
export interface BackgroundPurgeOptions {
  /**
   * How often (ms) expired records are purged in the background; `0` disables it (then call
   * `purgeExpired()` yourself, e.g. from a cron job). Default 300 000.
   */
  readonly pruneIntervalMs?: number;
  /** Receives errors of the background purge (which retries on its next tick). Default: ignored. */
  readonly onPruneError?: (error: unknown) => void;
}
