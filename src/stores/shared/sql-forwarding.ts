/**
 * What a rotated-away key still does in the SQL stores, written once: reads in the grace window,
 * writes forwarded to the new record, and the outcome of a rotation from the old key's row.
 *
 * Each step is one statement the store runs on its own; the algorithms are correct without a
 * transaction around them because a forwarder never turns back into a record while it is
 * remembered (only a purge or a create after `forwardUntil` reuses its key).
 */
import type { RotateOutcome, StoreRecord } from '../../core/store.ts';
import { MAX_HOPS } from './contention.ts';
import { forwarderOf, type SqlRow, toRecord } from './sql-row.ts';

/** Reads the row at a key, forwarding columns included (`undefined` when there is none). */
export type RowReader = (key: string) => Promise<SqlRow | undefined> | SqlRow | undefined;

/**
 * What `get` answers for `key`: its record as stored (expired ones too, the stores set
 * `reportsExpired`), or, for a forwarder in its grace window, the record it leads to.
 * One read when `key` holds a record.
 */
export async function readThrough(
  key: string,
  now: number,
  read: RowReader,
): Promise<StoreRecord | undefined> {
  let hop = key;
  for (let seen = 0; seen < MAX_HOPS; seen++) {
    const row = await read(hop);
    if (row === undefined) return undefined;
    const forwarder = forwarderOf(row);
    if (forwarder === undefined) return toRecord(row);
    if (forwarder.readableUntil <= now || forwarder.forwardUntil <= now) return undefined;
    hop = forwarder.successor;
  }
  return undefined;
}

/** The statements behind {@link writeThrough}. */
export interface WriteSteps {
  /** Applies the write to the live record at `key`; `false` when `key` holds no live record. */
  attempt(key: string): Promise<boolean> | boolean;
  /** Reads the row at `key` after a failed attempt. */
  read: RowReader;
}

/**
 * Applies a write (update) to the live record at `key`, or, when `key` was rotated away with
 * `forwardWrites`, to the record it moved to, following the chain. One statement when `key` holds
 * a live record. A write that blocks on a rotation in progress sees the forwarder once the
 * rotation commits (its condition re-checks the row), then follows it: it is never lost.
 * @returns `false` when there is no live record to write to.
 */
export async function writeThrough(key: string, now: number, steps: WriteSteps): Promise<boolean> {
  let hop = key;
  for (let seen = 0; seen < MAX_HOPS; seen++) {
    if (await steps.attempt(hop)) return true;
    const row = await steps.read(hop);
    if (row === undefined) return false;
    const forwarder = forwarderOf(row);
    // An expired record (left for the purge), or one created at a reused key after the attempt:
    // not the session this write belongs to.
    if (forwarder === undefined) return false;
    if (!forwarder.forwardWrites || forwarder.forwardUntil <= now) return false;
    hop = forwarder.successor;
  }
  return false;
}

/**
 * What a rotation of the key holding `row` must answer without writing anything, or `undefined`
 * when `row` is a live record that may be rotated. Read under the old row's lock.
 */
export function rotationBlocker(
  row: Pick<SqlRow, 'successor' | 'expires_at'> | undefined,
  now: number,
): RotateOutcome | undefined {
  if (row === undefined) return 'gone';
  const live = Number(row.expires_at) > now; // a forwarder's expires_at is its forwardUntil
  if (row.successor !== null && row.successor !== undefined) return live ? 'superseded' : 'gone';
  return live ? undefined : 'gone';
}
