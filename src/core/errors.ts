/**
 * Every error coatcheck throws is a {@link CoatcheckError} with a stable `code`.
 * Codes never change meaning; messages may be reworded. Match on `code`, not on text.
 */
export const ErrorCodes = {
  /** An option is missing, malformed or unsafe. Thrown at start-up, never per request. */
  CONFIG: 'COATCHECK_CONFIG',
  /** The store failed or did not answer in time. Adapters turn it into HTTP 503. */
  STORE_UNAVAILABLE: 'COATCHECK_STORE_UNAVAILABLE',
  /** A value cannot be stored: unsupported type, forbidden key, too deep or too large. */
  CODEC: 'COATCHECK_CODEC',
  /** A stored record could not be decoded, decrypted or validated. Treated as no session. */
  CORRUPT_RECORD: 'COATCHECK_CORRUPT_RECORD',
  /** The session was used after it was destroyed or after its response was committed. */
  SESSION_STATE: 'COATCHECK_SESSION_STATE',
  /** A store lacks an optional capability the caller asked for (e.g. listing by user on memcached). */
  UNSUPPORTED: 'COATCHECK_UNSUPPORTED',
  /** A cookie or header could not be serialized safely (bad name, value or attribute). */
  COOKIE: 'COATCHECK_COOKIE',
  /** A concurrent change made the operation impossible (e.g. repeated collisions on create). */
  CONFLICT: 'COATCHECK_CONFLICT',
  /** CSRF verification failed. Adapters turn it into HTTP 403. */
  CSRF: 'COATCHECK_CSRF',
  /**
   * The session ended (logout, revocation, expiry) or was logged in elsewhere while this request
   * changed it: the change was not stored. Status 409.
   */
  SESSION_GONE: 'COATCHECK_SESSION_GONE',
} as const;

/**
 * One of {@link ErrorCodes}' values, the `code` of every {@link CoatcheckError}.
 *
 * @example
 * ```ts
 * if (error instanceof CoatcheckError && error.code === 'COATCHECK_STORE_UNAVAILABLE') retryLater();
 * ```
 */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error coatcheck throws. */
export class CoatcheckError extends Error {
  /** The stable `COATCHECK_*` code: match on it, not on the message. */
  readonly code: ErrorCode;
  /** HTTP status an adapter should answer with when this error escapes a handler. */
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options?.status ?? 500;
  }
}

/** An option is invalid; the message names the option and the fix. */
export class ConfigError extends CoatcheckError {
  constructor(message: string) {
    super(ErrorCodes.CONFIG, message);
  }
}

/** The store failed or timed out. `status` is 503 so adapters can answer "try again". */
export class StoreUnavailableError extends CoatcheckError {
  /** Which store operation failed, e.g. `get` or `update`. */
  readonly operation: string;
  constructor(operation: string, message: string, cause?: unknown) {
    super(ErrorCodes.STORE_UNAVAILABLE, message, { cause, status: 503 });
    this.operation = operation;
  }
}

/** A value cannot be encoded (or a stored value cannot be decoded) safely. */
export class CodecError extends CoatcheckError {
  constructor(message: string) {
    super(ErrorCodes.CODEC, message, { status: 500 });
  }
}

/** A stored record failed to decode, decrypt or validate. */
export class CorruptRecordError extends CoatcheckError {
  constructor(message: string, cause?: unknown) {
    super(ErrorCodes.CORRUPT_RECORD, message, { cause });
  }
}

/** The session handle was used in a state that does not allow it. */
export class SessionStateError extends CoatcheckError {
  constructor(message: string) {
    super(ErrorCodes.SESSION_STATE, message);
  }
}

/** The store does not offer a capability the caller needs. */
export class UnsupportedError extends CoatcheckError {
  constructor(message: string) {
    super(ErrorCodes.UNSUPPORTED, message, { status: 501 });
  }
}

/** A cookie could not be serialized safely. */
export class CookieError extends CoatcheckError {
  constructor(message: string) {
    super(ErrorCodes.COOKIE, message);
  }
}

/** A concurrent change prevented the operation. */
export class ConflictError extends CoatcheckError {
  constructor(message: string) {
    super(ErrorCodes.CONFLICT, message, { status: 409 });
  }
}

/** CSRF verification failed. */
export class CsrfError extends CoatcheckError {
  constructor(message: string) {
    super(ErrorCodes.CSRF, message, { status: 403 });
  }
}

/**
 * The session this request changed ended meanwhile (another request logged out, an admin revoked
 * it, it expired) or was logged in by another request, so the change was not stored: a logout
 * always wins, and a write never resurrects a session. Code `COATCHECK_SESSION_GONE`, status 409;
 * answer it like a logged-out request (for example, redirect to the login page).
 */
export class SessionGoneError extends CoatcheckError {
  constructor(message: string) {
    super(ErrorCodes.SESSION_GONE, message, { status: 409 });
  }
}

/**
 * A login found the user at `maxSessionsPerUser` with `onLimit: 'reject'`. Code
 * `COATCHECK_CONFLICT`, status 409. Nothing was changed. Thrown by `login()` when the limit is
 * already reached, and by the commit when parallel logins reached it first (the store checks
 * the limit atomically with the insert).
 */
export class SessionLimitError extends ConflictError {
  /** The configured limit. */
  readonly limit: number;
  constructor(limit: number) {
    super(
      `This user already has ${limit} active session(s), the \`maxSessionsPerUser\` limit; log out elsewhere first or use \`onLimit: 'evictOldest'\`.`,
    );
    this.limit = limit;
  }
}
