/**
 * Options of `createSessions`, their defaults, and start-up validation. Every problem is reported
 * once, at creation, with a ConfigError whose message names the option and the fix.
 */
import { nodeEnv } from '#platform/env';
import type { CodecLimits } from './codec.ts';
import { defaultCodecLimits } from './codec.ts';
import { warnAboutDangerousConfig } from './config-warnings.ts';
import {
  cookieDomainProblem,
  cookieNameProblem,
  cookiePathProblem,
  cookieRuleBroken,
  cookieSameSiteProblem,
} from './cookie.ts';
import { type Duration, toMilliseconds } from './duration.ts';
import { createValueCipher, type ValueCipher } from './encryption.ts';
import { ConfigError } from './errors.ts';
import type { StandardSchemaV1 } from './standard-schema.ts';
import { type Store, storeCapabilities } from './store.ts';
import { assertStore } from './store-shape.ts';

/** Cookie settings. Defaults: `__Host-sid` (or `sid` when not secure), HttpOnly, Secure, SameSite=Lax, Path=/. */
export type SessionCookieOptions<Name extends string = string> = CookieSettings & {
  /** Cookie name. Default `__Host-sid` when secure with no domain and path `/`, else `sid`. */
  readonly name?: Name;
} & PrefixConstraint<Name>;

/**
 * What a prefixed cookie name requires (RFC 6265bis §4.1.3), at compile time: a `__Host-` name
 * without `secure`, with a path other than `/` or with a domain does not compile, nor a
 * `__Secure-` name with `secure: false`. Checked when `createSessions` infers the name from the
 * options (not when its type arguments are written out); always checked again at run time.
 */
export type PrefixConstraint<Name extends string> = Name extends `__Host-${string}`
  ? { readonly secure?: true; readonly path?: '/'; readonly domain?: undefined }
  : Name extends `__Secure-${string}`
    ? { readonly secure?: true }
    : unknown;

/** The cookie settings other than the name (see {@link SessionCookieOptions}). */
export interface CookieSettings {
  /** Send the cookie only over HTTPS. Default `true`, except `false` when NODE_ENV is `development`. */
  readonly secure?: boolean;
  /** Default `lax`. `none` requires `secure`. */
  readonly sameSite?: 'lax' | 'strict' | 'none';
  /** Default `true`. Turning it off lets page scripts read the ticket: almost never what you want. */
  readonly httpOnly?: boolean;
  /** Default none (host-only cookie, required by the `__Host-` prefix). */
  readonly domain?: string;
  /** Default `/`. */
  readonly path?: string;
  /** CHIPS partitioned cookie; requires `secure`. Default `false`. */
  readonly partitioned?: boolean;
  /**
   * Send every session cookie with `Max-Age` and `Expires` equal to the remaining idle window, so it
   * survives a browser restart (express-session's `cookie.maxAge` with `rolling`, tower-sessions'
   * default). It is re-sent whenever the window slides (at most once per `touchAfter`) and never
   * outlives the absolute deadline. A remembered session (`rememberMe(true)`) keeps its longer
   * window either way. Default `false`: a browser-session cookie until `rememberMe(true)`.
   */
  readonly persistent?: boolean;
}

/** Options of {@link createSessions}. */
export interface SessionsOptions<CookieName extends string = string> {
  /** Where sessions live. Required. */
  readonly store: Store;
  /** A session unused for this long expires. Default `'30m'`. */
  readonly idleTimeout?: Duration;
  /** A session expires this long after creation, however active. Default `'7d'`; `false` disables it (not recommended). */
  readonly absoluteTimeout?: Duration | false;
  /** Idle window and minimum lifetime of a remembered session (`session.rememberMe(true)`). Default `'30d'`. */
  readonly rememberMe?: Duration;
  /** Extend the idle window only after this much of it has passed. Default: a quarter of the idle timeout. */
  readonly touchAfter?: Duration;
  /** Cookie settings; `false` disables the cookie transport (header transport only). */
  readonly cookie?: SessionCookieOptions<CookieName> | false;
  /**
   * Also accept the ticket from a request header, for API clients: `'authorization'` reads
   * `Authorization: Bearer <ticket>`; any other name reads that header's raw value. Never from a URL.
   */
  readonly header?: string;
  /**
   * Sign tickets with HMAC-SHA-256. The first secret signs, all verify, so secrets can rotate.
   * Each must be at least 32 bytes. Default: unsigned (the 256-bit token is already unguessable).
   */
  readonly secrets?: readonly (string | Uint8Array)[];
  /** Prefix of every store key, to share one store between apps. Default `''`. */
  readonly keyPrefix?: string;
  /**
   * After `rotate()` (not `login()`), the old ticket keeps reading the session this long, so
   * requests already in flight do not see an empty session. Writes through the old ticket in the
   * window are not carried over. Default `0`: the old ticket dies at once.
   */
  readonly rotationGrace?: Duration;
  /** A store call that takes longer fails with StoreUnavailableError. Default `'2s'`. */
  readonly storeTimeout?: Duration;
  /** Largest total size of one session's encoded values, in bytes. Default 65 536. */
  readonly maxSessionBytes?: number;
  /** Depth and per-value size limits of the codec. */
  readonly codecLimits?: Partial<CodecLimits>;
  /** The clock, in ms since the epoch. Default `Date.now`. Inject one in tests. */
  readonly now?: () => number;
  /**
   * Validates the user data of every loaded session with any Standard Schema validator (zod,
   * valibot, arktype...). Data that fails is treated as corrupt: a `corrupt_record` event and a fresh session.
   */
  readonly schema?: StandardSchemaV1;
  /**
   * Encrypt every stored value with AES-256-GCM. `keys[0]` encrypts, all decrypt; values under an
   * older key are re-encrypted on the session's next write. Each key: 32 bytes, raw or base64.
   */
  readonly encryption?: { readonly keys: readonly (string | Uint8Array)[] };
  /**
   * Most live sessions one user may hold, checked by `login()`. Needs a store with a user index
   * (ConfigError otherwise). Default: no limit.
   */
  readonly maxSessionsPerUser?: number;
  /**
   * What `login()` does when the user already holds `maxSessionsPerUser` sessions:
   * `'evictOldest'` (default) deletes the least recently seen ones; `'reject'` throws
   * SessionLimitError (code COATCHECK_CONFLICT, status 409) and changes nothing.
   */
  readonly onLimit?: 'evictOldest' | 'reject';
  /**
   * Send `Clear-Site-Data: "cookies", "storage"` with the response of a request that called
   * `destroy()`, so the browser also drops the app's other cookies and storage. Default `false`.
   */
  readonly clearSiteData?: boolean;
  /**
   * Bind logged-in sessions to the User-Agent recorded at login: a request presenting the ticket
   * with another User-Agent gets a fresh session and an `anomaly` event; the stored session is left
   * alone (the app may revoke it from the event). Default `false`.
   */
  readonly bindUserAgent?: boolean;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  readonly store: Store;
  readonly idleMs: number;
  readonly absoluteMs: number;
  readonly rememberMs: number;
  readonly touchAfterMs: number;
  readonly cookie: ResolvedCookie | undefined;
  readonly header: { readonly name: string; readonly bearer: boolean } | undefined;
  readonly secrets: readonly Uint8Array[];
  readonly keyPrefix: string;
  readonly storeTimeoutMs: number;
  readonly rotationGraceMs: number;
  readonly maxSessionBytes: number;
  readonly codecLimits: CodecLimits;
  readonly now: () => number;
  readonly schema: StandardSchemaV1 | undefined;
  readonly cipher: ValueCipher | undefined;
  readonly sessionLimit: { readonly max: number; readonly onLimit: 'evictOldest' | 'reject' } | undefined;
  readonly clearSiteData: boolean;
  readonly bindUserAgent: boolean;
}

export interface ResolvedCookie {
  readonly name: string;
  readonly secure: boolean;
  readonly sameSite: 'lax' | 'strict' | 'none';
  readonly httpOnly: boolean;
  readonly domain: string | undefined;
  readonly path: string;
  readonly partitioned: boolean;
  readonly persistent: boolean;
}

/** An absolute deadline far enough away to mean "none", still exact as a double and as bigint ms. */
export const NO_DEADLINE = Number.MAX_SAFE_INTEGER;

/** Applies defaults and validates; throws ConfigError naming the option and the fix. */
export function resolveOptions(options: SessionsOptions): ResolvedOptions {
  assertStore(options.store);
  const store = options.store;
  const idleMs = toMilliseconds(options.idleTimeout ?? '30m', 'idleTimeout');
  if (idleMs < 1000) throw new ConfigError('Option `idleTimeout` must be at least 1 second.');
  const absoluteMs =
    options.absoluteTimeout === false
      ? NO_DEADLINE
      : toMilliseconds(options.absoluteTimeout ?? '7d', 'absoluteTimeout');
  if (absoluteMs < idleMs) {
    throw new ConfigError(
      'Option `absoluteTimeout` must be at least `idleTimeout`; raise it or lower `idleTimeout`.',
    );
  }
  const rememberMs = toMilliseconds(options.rememberMe ?? '30d', 'rememberMe');
  const touchAfterMs =
    options.touchAfter === undefined
      ? Math.floor(idleMs / 4)
      : toMilliseconds(options.touchAfter, 'touchAfter');
  if (touchAfterMs >= idleMs)
    throw new ConfigError('Option `touchAfter` must be shorter than `idleTimeout`.');
  const storeTimeoutMs = toMilliseconds(options.storeTimeout ?? '2s', 'storeTimeout');
  if (storeTimeoutMs < 1) throw new ConfigError('Option `storeTimeout` must be at least 1 ms.');
  const maxSessionBytes = options.maxSessionBytes ?? 65_536;
  if (!Number.isInteger(maxSessionBytes) || maxSessionBytes < 1) {
    throw new ConfigError('Option `maxSessionBytes` must be a positive integer number of bytes.');
  }
  const cookie = options.cookie === false ? undefined : resolveCookie(options.cookie ?? {});
  const header = resolveHeader(options.header);
  if (cookie === undefined && header === undefined) {
    throw new ConfigError(
      'With `cookie: false`, set `header` (e.g. `header: "authorization"`), or no ticket can reach the server.',
    );
  }
  const resolved: ResolvedOptions = {
    store,
    idleMs,
    absoluteMs,
    rememberMs,
    touchAfterMs,
    cookie,
    header,
    secrets: resolveSecrets(options.secrets),
    keyPrefix: resolveKeyPrefix(options.keyPrefix ?? ''),
    storeTimeoutMs,
    rotationGraceMs: toMilliseconds(options.rotationGrace ?? 0, 'rotationGrace'),
    maxSessionBytes,
    codecLimits: { ...defaultCodecLimits, ...options.codecLimits },
    now: options.now ?? Date.now,
    schema: options.schema,
    cipher: options.encryption === undefined ? undefined : createValueCipher(options.encryption.keys),
    sessionLimit: resolveSessionLimit(options),
    clearSiteData: options.clearSiteData === true,
    bindUserAgent: options.bindUserAgent === true,
  };
  warnAboutDangerousConfig(resolved, options.absoluteTimeout === false);
  return resolved;
}

function resolveSessionLimit(options: SessionsOptions): ResolvedOptions['sessionLimit'] {
  const onLimit = options.onLimit ?? 'evictOldest';
  if (onLimit !== 'evictOldest' && onLimit !== 'reject') {
    throw new ConfigError("Option `onLimit` must be 'evictOldest' or 'reject'.");
  }
  const max = options.maxSessionsPerUser;
  if (max === undefined) return undefined;
  if (!Number.isInteger(max) || max < 1) {
    throw new ConfigError('Option `maxSessionsPerUser` must be a positive integer; omit it for no limit.');
  }
  const store = options.store;
  if (!storeCapabilities(store).userIndex) {
    throw new ConfigError(
      `Option \`maxSessionsPerUser\` needs a store with a user index (listByUser/deleteByUser); the "${store.name}" store has none. Use Redis, PostgreSQL, MySQL, SQLite, the filesystem or memory store, or drop the option.`,
    );
  }
  return { max, onLimit };
}

/** The fix for each cookie rule of cookie.ts, in the options' words. */
const COOKIE_RULE_FIX = {
  hostPrefix: (name: string) =>
    `Option \`cookie.name\` "${name}" uses the __Host- prefix, which browsers accept only with secure: true, path: '/' and no domain; change those options or the name.`,
  securePrefix: (name: string) =>
    `Option \`cookie.name\` "${name}" uses the __Secure- prefix, which requires \`cookie.secure: true\`.`,
  sameSiteNone: () =>
    "Option `cookie.sameSite: 'none'` requires `cookie.secure: true`; browsers drop the cookie otherwise.",
  partitioned: () => 'Option `cookie.partitioned` requires `cookie.secure: true`.',
} as const;

function resolveCookie(cookie: SessionCookieOptions): ResolvedCookie {
  if (typeof cookie !== 'object' || cookie === null) {
    throw new ConfigError(
      'Option `cookie` must be an object of cookie settings, or `false` for header transport only.',
    );
  }
  const secure = cookie.secure ?? nodeEnv() !== 'development';
  const path = cookie.path ?? '/';
  const domain = cookie.domain;
  const name = cookie.name ?? (secure && domain === undefined && path === '/' ? '__Host-sid' : 'sid');
  const sameSite = cookie.sameSite ?? 'lax';
  for (const [option, value] of [
    ['secure', secure],
    ['httpOnly', cookie.httpOnly ?? true],
    ['partitioned', cookie.partitioned ?? false],
    ['persistent', cookie.persistent ?? false],
  ] as const) {
    if (typeof value !== 'boolean')
      throw new ConfigError(
        `Option \`cookie.${option}\` must be true or false, got ${JSON.stringify(value)}.`,
      );
  }
  // One grammar for the option check and for every Set-Cookie: the checks of cookie.ts, so a
  // configuration that passes here can never fail to serialize on a request.
  const problems: [string, string | undefined][] = [
    ['name', cookieNameProblem(name)],
    ['domain', domain === undefined ? undefined : cookieDomainProblem(domain)],
    ['path', cookiePathProblem(path)],
    ['sameSite', cookieSameSiteProblem(sameSite)],
  ];
  for (const [option, problem] of problems) {
    if (problem !== undefined)
      throw new ConfigError(`Option \`cookie.${option}\` is not a valid cookie ${option}: ${problem}.`);
  }
  const broken = cookieRuleBroken(name, { secure, domain, path, sameSite, partitioned: cookie.partitioned });
  if (broken !== undefined) throw new ConfigError(COOKIE_RULE_FIX[broken](name));
  return {
    name,
    secure,
    sameSite,
    httpOnly: cookie.httpOnly ?? true,
    domain,
    path,
    partitioned: cookie.partitioned ?? false,
    persistent: cookie.persistent ?? false,
  };
}

function resolveHeader(header: string | undefined): ResolvedOptions['header'] {
  if (header === undefined) return undefined;
  const name = header.toLowerCase();
  if (!/^[a-z0-9-]+$/.test(name))
    throw new ConfigError(`Option \`header\` "${header}" is not a valid header name.`);
  return { name, bearer: name === 'authorization' };
}

function resolveSecrets(secrets: SessionsOptions['secrets']): readonly Uint8Array[] {
  if (secrets === undefined) return [];
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new ConfigError(
      'Option `secrets` must be a non-empty array: [current, ...previous]. Omit it to disable signing.',
    );
  }
  return secrets.map((secret, index) => {
    const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : new Uint8Array(secret);
    if (bytes.length < 32) {
      throw new ConfigError(
        `Option \`secrets[${index}]\` is ${bytes.length} bytes; use at least 32 random bytes, e.g. \`openssl rand -base64 48\`.`,
      );
    }
    return bytes;
  });
}

function resolveKeyPrefix(prefix: string): string {
  if (!/^[A-Za-z0-9_:.-]{0,64}$/.test(prefix)) {
    throw new ConfigError(
      'Option `keyPrefix` may hold only letters, digits, `_`, `:`, `.` and `-` (64 at most).',
    );
  }
  return prefix;
}
