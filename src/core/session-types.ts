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
  /** No stored session stands behind this request yet (none was presented, or it was not found). */
  readonly isNew: boolean;
  /** The user the session belongs to after this request's `login()`, or `null` when anonymous. */
  readonly userId: string | null;
  /** When the stored session was created (ms since the epoch); `undefined` for a new session. */
  readonly createdAt: number | undefined;
  /** When the stored session was last written or touched (ms); `undefined` for a new session. */
  readonly lastSeenAt: number | undefined;
  /** When the idle window ends unless the session is used again (ms); `undefined` for a new session. */
  readonly expiresAt: number | undefined;
  /** The absolute deadline no use extends (ms); `undefined` for a new session. */
  readonly absoluteExpiresAt: number | undefined;
  /** When the user last logged in on this session (ms), as `requireRecentAuth` judges it; `undefined` if never. */
  readonly authTime: number | undefined;
  /** Remember-me is on: the cookie is persistent and the idle window is the remember-me one. */
  readonly rememberMe: boolean;
}
