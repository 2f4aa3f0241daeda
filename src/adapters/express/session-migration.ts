/**
 * Moving users from express-session to coatcheck without logging anyone out. When a request
 * carries an express-session cookie (`s:<sid>.<signature>`, default name `connect.sid`) and no
 * coatcheck ticket, the signature is verified with the old secret(s), the old session is read
 * through the old connect-style store (callback API), its data (minus `cookie`) is moved into the
 * new coatcheck session, and, once the response carrying the new cookie succeeds, the old session
 * is destroyed and the old cookie cleared. Needs neither express-session nor cookie-signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StoreUnavailableError } from '../../core/errors.ts';
import type { Session, SessionData } from '../../core/session.ts';

/** The part of a connect/express-session store the migration uses (MemoryStore, connect-redis...). */
export interface LegacyStore {
  get(sid: string, callback: (error: unknown, session?: LegacySessionData | null) => void): unknown;
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
  /** Path and domain of the old cookie, so clearing it hits the same cookie. Default path `/`. */
  readonly cookie?: { readonly path?: string; readonly domain?: string };
  /** The user id in the old data, to call `session.login(userId)` with (e.g. `(d) => d.passport?.user`). */
  readonly userId?: (data: LegacySessionData) => string | undefined;
  /** Rename or drop keys: return the data to store. Default: every key but `cookie`. */
  readonly mapData?: (data: LegacySessionData) => Record<string, unknown>;
}

/** A migration to pass to the Express middleware's `migrate` option. */
export interface SessionMigration {
  /**
   * Runs for every request before the session is loaded; returns the work to do once it is, or
   * `undefined` when there is nothing to migrate. Wraps `res.writeHead` to clear the old cookie.
   */
  prepare(
    req: IncomingMessage,
    res: ServerResponse,
  ): ((session: Session<SessionData>) => Promise<void>) | undefined;
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
  const clearing = clearingCookie(name, options.cookie?.path ?? '/', options.cookie?.domain);
  return {
    prepare(req, res) {
      const raw = readCookieValue(req.headers.cookie, name);
      if (raw === undefined) return undefined;
      const sid = unsignCookie(raw, secrets);
      if (sid === undefined) return undefined;
      let migrated = false;
      const writeHead = res.writeHead;
      res.writeHead = function migrationWriteHead(this: ServerResponse, ...args: unknown[]) {
        const status = typeof args[0] === 'number' ? args[0] : res.statusCode;
        if (migrated && status < 500) {
          appendSetCookie(res, clearing);
          options.store.destroy(sid, () => {});
        }
        return Reflect.apply(writeHead, this, args) as ServerResponse;
      } as ServerResponse['writeHead'];
      return async (session) => {
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
      };
    },
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

/** The first value of cookie `name`, percent-decoded as express-session's cookie parser does. */
function readCookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

function clearingCookie(name: string, path: string, domain: string | undefined): string {
  const domainPart = domain === undefined ? '' : `; Domain=${domain}`;
  return `${name}=; Path=${path}${domainPart}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0`;
}

function appendSetCookie(res: ServerResponse, value: string): void {
  const existing = res.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('set-cookie', [...list, value]);
}
