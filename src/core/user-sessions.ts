/**
 * Reading what core itself keeps in a stored record, outside a request: whether it is a
 * remembered session (which sets its idle window), and a user's records as the `listUser` entries
 * an account page shows. Values core stored are opened (decrypted) and decoded here; a value that
 * does not open reads as absent, never as an error, since a page listing sessions must not fail
 * on one unreadable record.
 */
import { decodeValue } from './codec.ts';
import { expiryReason } from './lifetime.ts';
import type { ResolvedOptions } from './options.ts';
import { META } from './session-types.ts';
import type { StoreEntry, StoreRecord } from './store.ts';

/** One of a user's sessions, as `listUser` reports it. Never carries a ticket. */
export interface UserSession {
  /** The session's store key without prefix: pass it to `revokeSession`. */
  readonly sessionId: string;
  /** When the session was created (ms since the epoch). */
  readonly createdAt: number;
  /** When it was last written or touched (ms). */
  readonly lastSeenAt: number;
  /** When its idle window ends unless used again (ms). */
  readonly expiresAt: number;
  /** The client IP recorded at login, when one was. */
  readonly ip: string | undefined;
  /** The User-Agent recorded at login, when one was. */
  readonly userAgent: string | undefined;
  /** True for the session given as `current`. */
  readonly current: boolean;
}

/** Whether a stored record is a remembered session (its idle window is the remember-me duration). */
export function isRemembered(options: ResolvedOptions, record: StoreRecord): boolean {
  const stored = record.data[META.remember];
  if (stored === undefined) return false;
  if (options.cipher === undefined) return stored === 'true';
  try {
    return options.cipher.open(stored, META.remember).plaintext === 'true';
  } catch {
    return false;
  }
}

/** A string stored by core (IP, user agent), opened and decoded; undefined when unreadable. */
function storedString(options: ResolvedOptions, record: StoreRecord, field: string): string | undefined {
  const encoded = record.data[field];
  if (encoded === undefined) return undefined;
  try {
    const text = options.cipher === undefined ? encoded : options.cipher.open(encoded, field).plaintext;
    const value = decodeValue(text, options.codecLimits);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The live sessions among `entries` (what the store's `listByUser` returned) that belong to
 * `userId` by core's own clock, most recently used first. A store may list a record that moved to
 * another user or that expired by our clock meanwhile: neither is listed.
 */
export function userSessions(
  options: ResolvedOptions,
  userId: string,
  entries: readonly StoreEntry[],
  now: number,
  currentKey: string | undefined,
): UserSession[] {
  const result: UserSession[] = [];
  for (const { key, record } of entries) {
    if (
      record.userId !== userId ||
      expiryReason(options, record, now, isRemembered(options, record)) !== undefined
    )
      continue;
    result.push({
      sessionId: key.slice(options.keyPrefix.length),
      createdAt: record.createdAt,
      lastSeenAt: record.lastSeenAt,
      expiresAt: record.expiresAt,
      ip: storedString(options, record, META.ip),
      userAgent: storedString(options, record, META.userAgent),
      current: key === currentKey,
    });
  }
  return result.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
}
