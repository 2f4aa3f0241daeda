/**
 * Idle and absolute deadlines. Both are enforced together: a record's `expiresAt` is
 * min(lastSeen + idle window, absolute deadline), and core re-checks all three on every load, so a
 * store without TTL, or with a clock behind ours, never revives a dead session (CVE-2024-35220).
 */
import { NO_DEADLINE, type ResolvedOptions } from './options.ts';
import type { StoreRecord } from './store.ts';

type Lifetimes = Pick<ResolvedOptions, 'idleMs' | 'absoluteMs' | 'rememberMs' | 'touchAfterMs'>;

/** The idle window of a session: the remember-me duration when remembered. */
export function idleWindow(options: Lifetimes, remembered: boolean): number {
  return remembered ? Math.max(options.idleMs, options.rememberMs) : options.idleMs;
}

/** The absolute deadline of a session created at `createdAt`, optionally capped (login's `absoluteExpiresAt`). */
export function absoluteDeadline(
  options: Lifetimes,
  createdAt: number,
  remembered: boolean,
  cap?: number,
): number {
  const span = remembered ? Math.max(options.absoluteMs, options.rememberMs) : options.absoluteMs;
  const deadline = span >= NO_DEADLINE - createdAt ? NO_DEADLINE : createdAt + span;
  return cap === undefined ? deadline : Math.min(deadline, cap);
}

/** The store's `expiresAt` for a session seen at `now`. */
export function slidingExpiry(
  options: Lifetimes,
  now: number,
  absoluteExpiresAt: number,
  remembered: boolean,
): number {
  return Math.min(now + idleWindow(options, remembered), absoluteExpiresAt);
}

/** Why a record is dead at `now`, or undefined when it is live. */
export function expiryReason(
  options: Lifetimes,
  record: StoreRecord,
  now: number,
  remembered: boolean,
): 'idle' | 'absolute' | undefined {
  if (record.absoluteExpiresAt <= now) return 'absolute';
  if (record.expiresAt <= now || record.lastSeenAt + idleWindow(options, remembered) <= now) return 'idle';
  return undefined;
}

/**
 * Whether an unchanged session should extend its window now: only after `touchAfter` of it has
 * passed (scaled for remembered sessions), so a read costs no write most of the time.
 */
export function touchDue(options: Lifetimes, record: StoreRecord, now: number, remembered: boolean): boolean {
  if (record.expiresAt >= record.absoluteExpiresAt) return false;
  const window = idleWindow(options, remembered);
  const after = remembered
    ? Math.floor((options.touchAfterMs / options.idleMs) * window)
    : options.touchAfterMs;
  return now - record.lastSeenAt >= after;
}
