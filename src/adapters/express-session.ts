/**
 * coatcheck/express-session: express-session's API on any coatcheck store, for Express 4 and 5.
 * `app.use(session({ store, cookie: { maxAge }, ... }))` gives `req.session` as express-session
 * does (synchronous properties, `regenerate`/`destroy`/`reload`/`save`/`touch`, `cookie`) and
 * `req.sessionID`, so existing routes and passport work unchanged, while coatcheck's guarantees
 * hold: hashed store keys, lazy creation, changes saved as a per-key patch, no resurrection, no
 * save on a 5xx. What differs from express-session, and why: docs/express-session-compat.md.
 *
 * The price of synchronous properties: the session is read when the request starts, one store
 * round trip for every request that carries a ticket, even one whose route never looks at it.
 * Imports nothing from Express or express-session at runtime.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, createSessions, type LoadInput, type Session, type Sessions } from '../index.ts';
import { loadAndHold } from './express/hold.ts';
import type { CoatcheckRequestSession } from './express/request-session.ts';
import type { MigrationStep, SessionMigration } from './express/session-migration.ts';
import {
  type CoatcheckOptions,
  checkCommonOptions,
  type ExpressCookieOptions,
  toSessionsOptions,
} from './express-session/options.ts';
import { EXPRESS_STYLE_RESERVED, ExpressStyleSession } from './kit/express-style-session.ts';
import { type UserIdOption, userIdResolver } from './kit/passport-user.ts';
import { loadInput, nodeHeader, requestContext } from './kit/request.ts';
import { SessionView } from './kit/session-view.ts';
import { viewSessions } from './kit/view-sessions.ts';

/**
 * The data on `req.session`, for TypeScript (declaration merging, as with @types/express-session):
 *
 * ```ts
 * declare module 'coatcheck/express-session' {
 *   interface SessionData { views: number; passport: { user: string } }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by declaration merging
export interface SessionData {}

/** `req.session`: the session's methods, `id` and `cookie`, and its data as properties. */
export type ExpressSession = ExpressStyleSession & Partial<SessionData>;

declare global {
  namespace Express {
    interface CoatcheckSessions {
      /** `req.session` under coatcheck/express-session (see express/request-session.ts). */
      'coatcheck/express-session': ExpressStyleSession & Partial<SessionData>;
    }
    interface Request {
      /**
       * The session's id: the SHA-256 store key of its ticket, never the ticket itself (the `sessionId`
       * of coatcheck's events and `sessions.listUser()`). Read-only.
       */
      readonly sessionID: string;
    }
  }
}

/** The options of {@link session}: express-session's, with a coatcheck `store`. */
export interface ExpressSessionOptions {
  /** Any coatcheck store (`coatcheck/stores/<name>`). Required unless `sessions` is given. */
  readonly store?: CoatcheckStore;
  /**
   * A ready session manager from `createSessions`, instead of `store` (and `name`, `cookie`,
   * `coatcheck`, which are then its own options).
   */
  readonly sessions?: Sessions;
  /** The cookie name. Default coatcheck's: `__Host-sid` when secure, else `sid` (not `connect.sid`). */
  readonly name?: string;
  /** Deprecated alias of `name`, as in express-session. */
  readonly key?: string;
  /** Cookie settings; `maxAge` makes every cookie persistent and is the idle timeout. */
  readonly cookie?: ExpressCookieOptions;
  /** Accepted and not used: the ticket is 256 random bits. `coatcheck.secrets` turns on signing. */
  readonly secret?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Accepted: the cookie is re-sent whenever the idle window slides (at most once per `touchAfter`). */
  readonly rolling?: boolean;
  /** Accepted and not needed: an unchanged session is never rewritten; the window slides by a touch. */
  readonly resave?: boolean;
  /** Accepted: a session is stored, and its cookie sent, once it holds data (never an empty one). */
  readonly saveUninitialized?: boolean;
  /** Accepted and not needed (it only served `secure: 'auto'`, which is not offered). */
  readonly proxy?: boolean;
  /** What `req.session = null` (or `delete req.session`) does: `'keep'` (default) or `'destroy'`. */
  readonly unset?: 'keep' | 'destroy';
  /** Refused with a ConfigError: session ids cannot be chosen (see the docs). */
  readonly genid?: never;
  /**
   * The user the session's data belongs to, bound with coatcheck's `login()` at commit (user
   * index, `sessions.listUser()`/`revokeUser()`, `maxSessionsPerUser`, auth time). Default
   * {@link passportUser}: passport's `req.session.passport.user` when it is a string or a number.
   * `false` binds no user.
   */
  readonly userId?: UserIdOption;
  /** Take the IP recorded at login from `req.ip` (Express's `trust proxy`). Default `true`. */
  readonly useExpressIp?: boolean;
  /** Moves express-session users over without logging them out (see `expressSessionMigration`). */
  readonly migrate?: SessionMigration;
  /** coatcheck's own options: `idleTimeout`, `absoluteTimeout`, `rememberMe`, `secrets`, `encryption`... */
  readonly coatcheck?: CoatcheckOptions;
}

type CoatcheckStore = NonNullable<Parameters<typeof createSessions>[0]['store']>;

/** The middleware, with the session manager it uses (for `listUser`, `revokeUser`, events, `close`). */
export interface ExpressSessionMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The coatcheck manager behind the middleware (events, `listUser`, `revokeUser`, `close`). */
  readonly sessions: Sessions;
}

type CompatRequest = IncomingMessage & {
  session?: unknown;
  sessionID?: string;
  ip?: string | undefined;
  originalUrl?: string;
};

/**
 * Creates the middleware. Register it before the routes (and before `passport.session()`).
 *
 * @example
 * ```ts
 * app.use(session({ store: redisStore({ client }), cookie: { maxAge: 30 * 60_000 } }));
 * app.get('/', (req, res) => {
 *   req.session.views = (req.session.views ?? 0) + 1;
 *   res.send(`views: ${req.session.views}`);
 * });
 * ```
 * @throws ConfigError (`COATCHECK_CONFIG`) for an option that cannot be honoured (`genid`,
 *   `cookie.secure: 'auto'`, `cookie.expires`...), naming the fix.
 */
export function session(options: ExpressSessionOptions): ExpressSessionMiddleware {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('coatcheck/express-session: pass the options object, with a coatcheck `store`.');
  }
  const unset = checkCommonOptions(options);
  const sessions = options.sessions ?? createSessions(toSessionsOptions(options));
  if (options.sessions !== undefined) {
    for (const name of ['store', 'name', 'key', 'cookie', 'coatcheck'] as const) {
      if (options[name] !== undefined) {
        throw new ConfigError(
          `Option \`${name}\` cannot be given with \`sessions\`: set it in the createSessions options instead.`,
        );
      }
    }
  }
  const committing = viewSessions(sessions);
  const settings = {
    unset,
    userId: userIdResolver(options.userId),
  };
  const clientIp =
    options.useExpressIp === false ? {} : { clientIp: (req: IncomingMessage) => (req as CompatRequest).ip };
  const cookiePath = sessions.options.cookie?.path ?? '/';

  const middleware = function coatcheckExpressSession(
    req: CompatRequest,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ): void {
    // As express-session: another session middleware ran already, or the path is outside the cookie's.
    if (req.session || !pathMatches(req, cookiePath)) {
      next();
      return;
    }
    let handle: Session;
    let migration: MigrationStep | undefined;
    try {
      migration = options.migrate?.prepare(req, sessions.options.cookie);
      handle = loadAndHold(committing.sessions, req, res, clientIp, next, migration?.settle);
    } catch (error) {
      next(error);
      return;
    }
    const view = new SessionView(
      committing.inner,
      handle,
      expressHost(sessions, req, clientIp.clientIp),
      settings,
    );
    committing.attach(handle, view);
    Object.defineProperty(req, 'sessionID', {
      configurable: true,
      enumerable: true,
      get: () => view.sessionId(),
      set: () => {
        throw new TypeError('req.sessionID is read-only under coatcheck: session ids cannot be chosen.');
      },
    });
    const opened = migration === undefined ? view.open() : migration.run(handle).then(() => view.open());
    opened.then(() => next(), next);
  };
  return Object.assign(middleware, { sessions }) as ExpressSessionMiddleware;
}

/** Where the view lives on an Express request: `req.session`. */
function expressHost(
  sessions: Sessions,
  req: CompatRequest,
  clientIp: ((req: IncomingMessage) => string | undefined) | undefined,
) {
  const input: LoadInput = loadInput(sessions, req.headers, nodeHeader, {
    ip: () => (clientIp === undefined ? req.socket.remoteAddress : clientIp(req)),
    context: () => requestContext(req.method, req.originalUrl ?? req.url),
  });
  return {
    input,
    reserved: EXPRESS_STYLE_RESERVED,
    create: (view: SessionView<ExpressStyleSession>) => new ExpressStyleSession(view),
    install: (view: ExpressStyleSession) => {
      req.session = view;
    },
    uninstall: () => {
      delete req.session;
    },
    current: () => req.session,
  };
}

/** express-session's rule: the request's path (mounted apps included) lies under the cookie's path. */
function pathMatches(req: CompatRequest, cookiePath: string): boolean {
  if (cookiePath === '/') return true;
  const url = req.originalUrl ?? req.url ?? '/';
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  return path.startsWith(cookiePath);
}

export { ExpressStyleSession as Session } from './kit/express-style-session.ts';
export { passportUser, type UserIdOption } from './kit/passport-user.ts';
export { SessionCookie as Cookie } from './kit/session-cookie.ts';
export type { CoatcheckOptions, CoatcheckRequestSession, ExpressCookieOptions };
export default session;
