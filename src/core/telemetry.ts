/**
 * The seam an instrumentation (`coatcheck/otel`) plugs into a session manager. Core defines only
 * this shape and imports nothing of OpenTelemetry: with no instrumentation attached, the manager's
 * hot path pays one field check per store call and per commit (measured: docs/BENCHMARKS.md,
 * "Telemetry overhead").
 *
 * Nothing passed through here is a ticket or a store key: operations and store names, decision
 * labels and errors only. Lifecycle counts (created, rotated, expired...) come from the audit
 * events (`sessions.on`), which an instrumentation subscribes to itself.
 */
import type { CommitDecision } from './commit-decision.ts';

/** What a commit did, as telemetry labels it. `patch` is a store update, `delete` a `destroy()`. */
export type CommitLabel = 'none' | 'touch' | 'patch' | 'create' | 'rotate' | 'delete';

/** What an instrumentation receives from a session manager. */
export interface Telemetry {
  /**
   * Wraps one store call. `call` starts it (with core's deadline and error mapping) and must be
   * called exactly once, synchronously; return its promise, or one that settles the same way.
   */
  storeCall<T>(storeName: string, operation: string, call: () => Promise<T>): Promise<T>;
  /** A commit settled: what it did, or (with `decision` undefined) the error it failed with. */
  committed(decision: CommitLabel | undefined, error: unknown): void;
}

/** The label of a commit's decision; a destroyed session counts as `delete`. */
export function commitLabel(decision: CommitDecision, destroyed: boolean): CommitLabel {
  if (destroyed) return 'delete';
  return decision.store === 'update' ? 'patch' : decision.store;
}
