/**
 * express-session's options, checked and mapped onto coatcheck's: what keeps its meaning is
 * mapped, what coatcheck does by itself is accepted and documented (docs/express-session-compat.md),
 * and what cannot be made safe or cannot be honoured fails at start-up with a ConfigError that
 * names the option and the fix, instead of being ignored.
 */
import { ConfigError, type SessionsOptions, type Store } from '../../index.ts';

const DAY = 24 * 60 * 60 * 1000;
const DEFAULT_ABSOLUTE_MS = 7 * DAY;

/** express-session's `cookie` option. */
export interface ExpressCookieOptions {
  /**
   * Every cookie carries Max-Age (and Expires) of this many ms, re-sent as the idle window slides;
   * it is also the idle timeout. Default: a browser-session cookie, idle timeout 30 minutes.
   */
  readonly maxAge?: number | null;
  /** Default `true`. */
  readonly httpOnly?: boolean;
  /** Default `true` (`false` when NODE_ENV is `development`). `'auto'` is refused (see the docs). */
  readonly secure?: boolean;
  /** `true` is `'strict'`; `false` (no attribute) is the browsers' default, `'lax'`. Default `'lax'`. */
  readonly sameSite?: boolean | 'lax' | 'strict' | 'none' | 'Lax' | 'Strict' | 'None';
  /** Default none (host-only cookie, which the `__Host-` name needs). */
  readonly domain?: string;
  /** Default `/`. Requests outside it get no session, as with express-session. */
  readonly path?: string;
  /** CHIPS partitioned cookie; requires `secure`. Default `false`. */
  readonly partitioned?: boolean;
  /** Accepted only as `null`/`undefined`: a fixed date for every cookie is refused, use `maxAge`. */
  readonly expires?: null;
}

/** The coatcheck options beyond express-session's (idle and absolute timeouts, encryption...). */
export type CoatcheckOptions = Omit<SessionsOptions, 'store' | 'cookie'>;

/** express-session's options whose mapping createSessions needs. */
export interface MappedOptions {
  readonly store?: Store;
  readonly name?: string;
  readonly key?: string;
  readonly cookie?: ExpressCookieOptions;
  readonly genid?: unknown;
  readonly unset?: 'keep' | 'destroy';
  readonly rolling?: boolean;
  readonly resave?: boolean;
  readonly saveUninitialized?: boolean;
  readonly proxy?: boolean;
  readonly secret?: unknown;
  readonly coatcheck?: CoatcheckOptions;
  readonly sessions?: unknown;
}

const COOKIE_KEYS = new Set([
  'maxAge',
  'httpOnly',
  'secure',
  'sameSite',
  'domain',
  'path',
  'partitioned',
  'expires',
]);

/** Checks the options every form accepts (with or without a ready `sessions`). */
export function checkCommonOptions(options: MappedOptions): 'keep' | 'destroy' {
  if (options.genid !== undefined) {
    throw new ConfigError(
      'Option `genid` cannot be made safe: coatcheck tickets are always 32 bytes from the CSPRNG and the store key is their SHA-256 hash, so no id can be chosen. Remove `genid`; `req.sessionID` is that hash.',
    );
  }
  for (const name of ['rolling', 'resave', 'saveUninitialized', 'proxy'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new ConfigError(`Option \`${name}\` must be true or false, got ${JSON.stringify(value)}.`);
    }
  }
  const unset = options.unset ?? 'keep';
  if (unset !== 'keep' && unset !== 'destroy') {
    throw new ConfigError('Option `unset` must be "destroy" or "keep".');
  }
  return unset;
}

/** The createSessions options for express-session's `store`, `name`, `cookie` and `coatcheck`. */
export function toSessionsOptions(options: MappedOptions): SessionsOptions {
  const cookie = options.cookie ?? {};
  if (typeof cookie !== 'object' || cookie === null) {
    throw new ConfigError(
      'Option `cookie` must be an object of cookie settings (a function of the request is not offered: coatcheck has one cookie configuration per app).',
    );
  }
  for (const key of Object.keys(cookie)) {
    if (!COOKIE_KEYS.has(key)) {
      throw new ConfigError(
        `Option \`cookie.${key}\` is not offered by coatcheck/express-session; remove it (supported: ${[...COOKIE_KEYS].join(', ')}).`,
      );
    }
  }
  if (cookie.expires !== undefined && cookie.expires !== null) {
    throw new ConfigError(
      'Option `cookie.expires` (one date for every cookie) is not offered: use `cookie.maxAge`, a lifetime in ms that slides with activity.',
    );
  }
  const extra = options.coatcheck ?? {};
  const maxAge = cookie.maxAge ?? undefined;
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge < 1000)) {
    throw new ConfigError('Option `cookie.maxAge` must be a number of milliseconds, at least 1000.');
  }
  if (maxAge !== undefined && extra.idleTimeout !== undefined) {
    throw new ConfigError(
      'Options `cookie.maxAge` and `coatcheck.idleTimeout` both set the idle timeout: keep one.',
    );
  }
  const name = options.name ?? options.key;
  const mapped: SessionsOptions = {
    ...extra,
    store: options.store as Store,
    cookie: {
      ...(name === undefined ? {} : { name }),
      ...(cookie.httpOnly === undefined ? {} : { httpOnly: cookie.httpOnly }),
      ...(cookie.secure === undefined ? {} : { secure: secureOf(cookie.secure) }),
      ...(cookie.sameSite === undefined ? {} : { sameSite: sameSiteOf(cookie.sameSite) }),
      ...(cookie.domain === undefined ? {} : { domain: cookie.domain }),
      ...(cookie.path === undefined ? {} : { path: cookie.path }),
      ...(cookie.partitioned === undefined ? {} : { partitioned: cookie.partitioned }),
      persistent: maxAge !== undefined,
    },
  };
  if (maxAge === undefined) return mapped;
  return {
    ...mapped,
    idleTimeout: maxAge,
    // express-session has no absolute deadline; coatcheck keeps its default one, or the idle
    // window when that is longer (a 30-day maxAge stays 30 days of inactivity).
    absoluteTimeout: extra.absoluteTimeout ?? Math.max(DEFAULT_ABSOLUTE_MS, maxAge),
  };
}

function secureOf(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'auto') {
    throw new ConfigError(
      "Option `cookie.secure: 'auto'` is not offered: coatcheck decides once, at start-up. Use `true` behind HTTPS (a TLS-terminating proxy included) or `false` for plain http in development.",
    );
  }
  throw new ConfigError(`Option \`cookie.secure\` must be true or false, got ${JSON.stringify(value)}.`);
}

function sameSiteOf(value: unknown): 'lax' | 'strict' | 'none' {
  if (value === true) return 'strict';
  if (value === false) return 'lax';
  const lower = typeof value === 'string' ? value.toLowerCase() : value;
  if (lower === 'lax' || lower === 'strict' || lower === 'none') return lower;
  if (lower === 'auto') {
    throw new ConfigError(
      "Option `cookie.sameSite: 'auto'` is not offered: coatcheck decides once, at start-up. Use 'lax' (the default), 'strict', or 'none' with `secure: true`.",
    );
  }
  throw new ConfigError(
    `Option \`cookie.sameSite\` must be true, false, 'lax', 'strict' or 'none', got ${JSON.stringify(value)}.`,
  );
}
