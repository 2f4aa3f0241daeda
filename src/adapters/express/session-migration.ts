/**
 * Moving users from express-session to coatcheck without logging anyone out. When a request
 * carries an express-session cookie (`s:<sid>.<signature>`, default name `connect.sid`) and no
 * coatcheck ticket, the signature is verified with the old secret(s), the old session is read
 * through the old connect-style store (callback API), its data (minus `cookie`) is moved into the
 * new coatcheck session, and, once the response carrying the new cookie succeeds, the old session
 * is destroyed and the old cookie cleared. Needs neither express-session nor cookie-signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type CookieAttributes, readCookie, serializeCookieDeletion } from '../../core/cookie.ts';
import { type Session, type SessionData, StoreUnavailableError } from '../../index.ts';

/** The part of a connect/express-session store the migration uses (MemoryStore, connect-redis...). */
export interface LegacyStore {
  /** Reads the legacy session `sid` (`null` or no value when there is none). */
  get(sid: string, callback: (error: unknown, session?: LegacySessionData | null) => void): unknown;
  /** Deletes the legacy session once it moved to coatcheck. */
  destroy(sid: string, callback?: (error?: unknown) => void): unknown;
}

/** An express-session record: the app's keys plus express-session's `cookie`. */
export type LegacySessionData = Record<string, unknown> & { cookie?: unknown };

/** Options of {@link expressSessionMigration}. */
export interface ExpressSessionMigrationOptions {
  /** The old `secret` option of express-session (a string or the list it accepted). Required. */
  readonly secret: string | readonly string[];
  /** The old store. Required. */
  readonly store: LegacyStore;
  /** The old cookie name. Default `connect.sid`. */
  readonly name?: string;
  /**
   * The old cookie's attributes (express-session's `cookie` option), repeated on the Set-Cookie
   * that clears it, since browsers only delete a cookie whose path and domain match. Default path
   * `/`, HttpOnly, and Secure and SameSite as coatcheck's own cookie has them.
   */
  readonly cookie?: {
    readonly path?: string;
    readonly domain?: string;
    readonly secure?: boolean;
    readonly httpOnly?: boolean;
    readonly sameSite?: 'lax' | 'strict' | 'none';
    readonly partitioned?: boolean;
  };
  /** The user id in the old data, to call `session.login(userId)` with (e.g. `(d) => d.passport?.user`). */
  readonly userId?: (data: LegacySessionData) => string | undefined;
  /** Rename or drop keys: return the data to store. Default: every key but `cookie`. */
  readonly mapData?: (data: LegacySessionData) => Record<string, unknown>;
}

/** A migration to pass to the Express middleware's `migrate` option. */
export interface SessionMigration {
  /**
   * Runs for every request before its session is loaded: the migration to carry out for it, or
   * `undefined` when the request carries no old session (or a forged one). `site` is coatcheck's
   * own cookie (undefined with header transport), whose Secure and SameSite the old cookie's
   * deletion repeats unless the options say otherwise.
   */
  prepare(
    req: IncomingMessage,
    site: { readonly secure: boolean; readonly sameSite: 'lax' | 'strict' | 'none' } | undefined,
  ): MigrationStep | undefined;
}

/** One request's migration; the Express middleware and its response hold carry it out. */
export interface MigrationStep {
  /** Moves the old session's data into `session`; the middleware awaits it before the routes run. */
  run(session: Session<SessionData>): Promise<void>;
  /**
   * Called by the response hold once the commit succeeded, before the headers go out: the
   * Set-Cookie value that clears the old cookie, when the old session was moved and `status` is
   * below 500 (the new session was saved); the old session is then destroyed in the old store.
   */
  readonly settle: (status: number) => string | undefined;
}

/**
 * Creates the migration for `session(sessions, { migrate })` of coatcheck/express.
 *
 * Safety: a bad signature leaves the old cookie alone (a wrong `secret` must not log everyone out
 * for good); the old session is destroyed and its cookie cleared only when the response is below
 * 500, i.e. when the new session was saved. An old store that fails gives StoreUnavailableError (503).
 */
export function expressSessionMigration(options: ExpressSessionMigrationOptions): SessionMigration {
  const name = options.name ?? 'connect.sid';
  const secrets = [options.secret].flat();
  if (secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || secret === '')) {
    throw new TypeError('expressSessionMigration: `secret` must be the old express-session secret(s).');
  }
  // At start-up, not on a user's request: a name or attribute a Set-Cookie cannot carry (CookieError).
  serializeCookieDeletion<string>(name, oldCookie(options.cookie, { secure: true, sameSite: 'lax' }));
  return {
    prepare(req, site) {
      const raw = readCookie(req.headers.cookie, name).value;
      if (raw === undefined) return undefined;
      const sid = unsignCookie(percentDecoded(raw), secrets);
      if (sid === undefined) return undefined;
      let migrated = false;
      return {
        run: async (session) => {
          // A coatcheck ticket wins: the user was migrated already (or logged in anew).
          if (await hasLiveSession(session)) return;
          const data = await readLegacy(options.store, sid);
          migrated = true; // found or not, the old cookie is now useless
          if (data === undefined) return;
          const moved = options.mapData !== undefined ? options.mapData(data) : withoutCookie(data);
          for (const [key, value] of Object.entries(moved)) {
            if (value !== undefined) await session.set(key, value);
          }
          const userId = options.userId?.(data);
          if (userId !== undefined && userId !== '') await session.login(userId);
        },
        settle: (status) => {
          if (!migrated || status >= 500) return undefined;
          destroyLegacy(options.store, sid);
          return serializeCookieDeletion<string>(name, oldCookie(options.cookie, site));
        },
      };
    },
  };
}

/** The attributes of the old cookie, for its deletion. */
function oldCookie(
  given: ExpressSessionMigrationOptions['cookie'],
  site: Parameters<SessionMigration['prepare']>[1],
): CookieAttributes {
  return {
    path: given?.path ?? '/',
    domain: given?.domain,
    secure: given?.secure ?? site?.secure,
    httpOnly: given?.httpOnly ?? true,
    sameSite: given?.sameSite ?? site?.sameSite,
    partitioned: given?.partitioned,
  };
}

/** True when the request's coatcheck ticket names a live session (one store read, reused later). */
async function hasLiveSession(session: Session<SessionData>): Promise<boolean> {
  const info = await session.info();
  return !info.isNew;
}

function readLegacy(store: LegacyStore, sid: string): Promise<LegacySessionData | undefined> {
  return new Promise((resolve, reject) => {
    const done = (error: unknown, data?: LegacySessionData | null) => {
      if (error) reject(new StoreUnavailableError('legacy-get', 'The express-session store failed.', error));
      else resolve(data ?? undefined);
    };
    try {
      const result = store.get(sid, done);
      // Promise-returning stores (connect-redis) also call back; a rejection is reported there.
      if (result instanceof Promise) result.catch(() => {});
    } catch (error) {
      done(error);
    }
  });
}

/** Destroys the old session, best effort: it can no longer be reached once its cookie is cleared. */
function destroyLegacy(store: LegacyStore, sid: string): void {
  try {
    const result = store.destroy(sid, () => {});
    if (result instanceof Promise) result.catch(() => {});
  } catch {
    // an old store that throws: the record simply expires there
  }
}

function withoutCookie(data: LegacySessionData): Record<string, unknown> {
  const { cookie: _cookie, ...rest } = data;
  return rest;
}

/**
 * cookie-signature's `unsign` for an express-session value: `s:` + sid + `.` +
 * base64(HMAC-SHA-256(secret, sid)) without `=` padding. Any of `secrets` may have signed it.
 */
export function unsignCookie(value: string, secrets: readonly string[]): string | undefined {
  if (!value.startsWith('s:')) return undefined;
  const signed = value.slice(2);
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const sid = signed.slice(0, dot);
  const given = Buffer.from(signed);
  for (const secret of secrets) {
    const expected = Buffer.from(
      `${sid}.${createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '')}`,
    );
    if (expected.length === given.length && timingSafeEqual(expected, given)) return sid;
  }
  return undefined;
}

/** A cookie value percent-decoded as express-session's cookie parser does (kept as is if malformed). */
function percentDecoded(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
