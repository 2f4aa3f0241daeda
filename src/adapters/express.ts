/**
 * Express adapter (Express 4 and 5): `app.use(session(sessions))` gives every request
 * `req.session`, committed before the response's first byte, `res.redirect`, `res.sendFile` and
 * streamed responses included (writeHead/write/end are held until the commit settles; see
 * express/hold.ts for how, cheaply).
 * A store failure while committing reaches `next(err)` as a StoreUnavailableError (`status` 503),
 * so Express's error handling answers it. Imports nothing from Express at runtime.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CsrfGuardOptions, Session, type SessionData, type Sessions } from '../index.ts';
import { type HoldOwner, holdInLocals, loadAndHold, localsHold } from './express/hold.ts';
import './express/request-session.ts';
import { getterServes } from './express/session-getter.ts';
import type { MigrationStep, SessionMigration } from './express/session-migration.ts';
import { verifyNodeCsrf } from './node/csrf.ts';

/**
 * Declaration-merging hook for the type of `req.session`. Without it `req.session` is a
 * `Session<SessionData>` (values are `unknown`); an app with one data type may register it:
 *
 * ```ts
 * declare module 'coatcheck/express' {
 *   interface Register { data: { userId?: string; cart: string[] } }
 * }
 * ```
 * Apps (or libraries) with several session types use {@link getSession} instead, typed from the
 * `Sessions` instance, so no global type is forced on anyone.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by declaration merging
export interface Register {}

/** The data type of `req.session`: `Register['data']` when registered, else `SessionData`. */
export type RegisteredSessionData = Register extends { data: infer D extends SessionData } ? D : SessionData;

declare global {
  namespace Express {
    interface CoatcheckSessions {
      /** `req.session` under coatcheck's `session()` middleware (see express/request-session.ts). */
      'coatcheck/express': Session<RegisteredSessionData>;
    }
  }
}

/** Options of the Express middleware. */
export interface ExpressSessionOptions {
  /**
   * Take the client IP (recorded at login) from `req.ip`, which honours Express's `trust proxy`
   * setting. Default `true`; `false` uses the socket address.
   */
  readonly useExpressIp?: boolean;
  /**
   * Moves express-session users over on their next request, without logging them out:
   * `migrate: expressSessionMigration({ secret, store })` from `coatcheck/express`. Default none.
   */
  readonly migrate?: SessionMigration;
}

/** The minimal request shape the middleware needs (Express 4 and 5 requests both fit). */
type ExpressLikeRequest = IncomingMessage & { ip?: string | undefined; session?: unknown };
type Next = (error?: unknown) => void;

/** An Express middleware that also knows its data type. */
export interface SessionMiddleware<Data extends SessionData> {
  (req: ExpressLikeRequest, res: ServerResponse, next: Next): void;
  /** The typed session of `req` (the same object as `req.session`). */
  of(req: ExpressLikeRequest): Session<Data>;
}

/** `req.session` when our middleware set it (another library may use the same property). */
function sessionOf(req: object): Session<SessionData> | undefined {
  const found = (req as { session?: unknown }).session;
  return found instanceof Session ? (found as Session<SessionData>) : undefined;
}
/** `req.ip` honours Express's `trust proxy` setting (looked up only at login). */
const EXPRESS_IP = { clientIp: (req: IncomingMessage) => (req as ExpressLikeRequest).ip };

/**
 * Creates the middleware. Register it before the routes that use `req.session`.
 *
 * @example
 * ```ts
 * const sessions = createSessions<{ count: number }>({ store: memoryStore() });
 * app.use(session(sessions));
 * app.get('/', async (req, res) => {
 *   const s = getSession(req, sessions); // Session<{ count: number }>
 *   await s.set('count', ((await s.get('count')) ?? 0) + 1);
 *   res.send('ok');
 * });
 * ```
 */
export function session<Data extends SessionData>(
  sessions: Sessions<Data>,
  options: ExpressSessionOptions = {},
): SessionMiddleware<Data> {
  const owner: HoldOwner<Data> = { sessions, ip: options.useExpressIp !== false ? EXPRESS_IP : {} };
  const middleware = function coatcheckExpress(req: ExpressLikeRequest, res: ServerResponse, next: Next) {
    let handle: Session<Data> | undefined;
    let migration: MigrationStep | undefined;
    try {
      migration = options.migrate?.prepare(req, sessions.options.cookie);
      // Express 5 and 4 both keep `next` usable after the route ran: next(err) walks on to the
      // error-handling middleware and finally to finalhandler, which answers with `err.status`.
      const send = localsHold(res);
      if (send !== undefined && getterServes(req, res)) {
        // Fast path: nothing is added to req or res, and only res.locals and res.req are read
        // here: the session is made from the request's headers when req.session is first read
        // (on Express each property a middleware reads first costs a V8 lookup miss:
        // docs/BENCHMARKS.md, "Express's lookup misses, counted"). A migration needs it now.
        handle = holdInLocals(owner, req, res, send, next, migration?.settle, migration === undefined);
      } else {
        handle = loadAndHold(sessions, req, res, owner.ip, next, migration?.settle);
        req.session = handle;
      }
    } catch (error) {
      next(error);
      return;
    }
    if (migration === undefined || handle === undefined) next();
    else migration.run(handle as unknown as Session<SessionData>).then(() => next(), next);
  };
  return Object.assign(middleware, {
    of: (req: ExpressLikeRequest) => getSession(req, sessions),
  });
}

export {
  type ExpressSessionMigrationOptions,
  expressSessionMigration,
  type LegacyStore,
  type MigrationStep,
  type SessionMigration,
} from './express/session-migration.ts';

/**
 * The session of `req`, typed from `sessions`. Throws a TypeError naming the fix when the
 * middleware did not run for this request.
 */
export function getSession<Data extends SessionData>(req: object, _sessions: Sessions<Data>): Session<Data> {
  const found = sessionOf(req);
  if (found === undefined) {
    throw new TypeError(
      'No session on this request: add `app.use(session(sessions))` from coatcheck/express before this route.',
    );
  }
  return found as unknown as Session<Data>;
}

/**
 * Opt-in CSRF middleware; register it after `session(sessions)` (and after `express.urlencoded()`
 * if the token comes in a form field). Unsafe requests must carry the session's token (header
 * `x-csrf-token`, or `_csrf` in `req.body`) and must not come from another site (Sec-Fetch-Site /
 * Origin); a failure reaches `next(err)` as a CsrfError (code COATCHECK_CSRF, status 403).
 */
export function csrf(options: CsrfGuardOptions = {}) {
  return function coatcheckExpressCsrf(req: ExpressLikeRequest, _res: ServerResponse, next: Next): void {
    const found = sessionOf(req);
    if (found === undefined) {
      next(new TypeError('csrf() needs a session: add `app.use(session(sessions))` before it.'));
      return;
    }
    verifyNodeCsrf(req, found, options).then(() => next(), next);
  };
}

export type { CsrfGuardOptions } from '../index.ts';
