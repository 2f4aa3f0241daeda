/**
 * The types a Session is described by (its data, how the ticket was presented, login options,
 * info) and the keys of core's own metadata inside a record. Re-exported by session.ts.
 */

/** The shape session data may take: string keys, any codec-supported values. */
export type SessionData = Record<string, unknown>;

/** Keys of core's own metadata inside a record; user keys may not start with `$`. */
export const META = {
  remember: '$remember',
  authTime: '$auth',
  amr: '$amr',
  ip: '$ip',
  userAgent: '$ua',
  csrf: '$csrf',
  flashPrefix: '$flash:',
} as const;

/** How the request presented its ticket, as core parsed it (no I/O). */
export interface PresentedTicket {
  readonly kind: 'none' | 'rejected' | 'valid';
  readonly inCookie: boolean;
  readonly token: string | undefined;
  readonly key: string | undefined;
  readonly staleSignature: boolean;
}

/** Request metadata recorded at login and shown in session lists. */
export interface RequestMeta {
  /** The client address, or a function that finds it (called only at login). */
  readonly ip?: string | (() => string | undefined) | undefined;
  readonly userAgent?: string | undefined;
  /** The route, for the warning about a late use (see `LoadInput.context`). */
  readonly context?: string | (() => string) | undefined;
}

/** Options of {@link Session.login}. */
export interface LoginOptions {
  /** Authentication methods used (e.g. `['pwd', 'otp']`), kept for step-up decisions. */
  readonly amr?: readonly string[];
  /** Cap the session's absolute deadline (ms), e.g. at an identity provider's token expiry. */
  readonly absoluteExpiresAt?: number;
}

/** Metadata of a loaded session. */
export interface SessionInfo {
  readonly isNew: boolean;
  readonly userId: string | null;
  readonly createdAt: number | undefined;
  readonly lastSeenAt: number | undefined;
  readonly expiresAt: number | undefined;
  readonly absoluteExpiresAt: number | undefined;
  readonly authTime: number | undefined;
  readonly rememberMe: boolean;
}
