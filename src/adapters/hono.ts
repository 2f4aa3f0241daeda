/**
 * Hono adapter, over the Web adapter: `app.use(session(sessions))` puts the request's session in
 * `c.get('session')` and commits it after the handler, adding Set-Cookie, Vary and Cache-Control
 * to `c.res`. Works on every runtime Hono runs on, Node included (through `@hono/node-server`).
 * A store failure while committing goes through `app.onError` as an HTTPException (status 503)
 * whose `cause` is the StoreUnavailableError and whose default response is a plain 503.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  CoatcheckError,
  type CsrfGuardOptions,
  type Session,
  type SessionData,
  type Sessions,
} from '../index.ts';
import { errorStatus } from './kit/response.ts';
import { csrfFailureResponse, verifyRequestCsrf } from './web/csrf.ts';
import { applyCommit, errorResponse, loadSession } from './web.ts';

/** The context variables the middleware sets: use as `new Hono<{ Variables: SessionVariables<Data> }>()`. */
export interface SessionVariables<Data extends SessionData = SessionData> {
  /** The request's session: `c.get('session')`. */
  session: Session<Data>;
}

/** A Hono `Env` carrying the session variable, for apps that declare no other bindings. */
export interface SessionEnv<Data extends SessionData = SessionData> {
  /** Hono's context variables: only `session`. */
  Variables: SessionVariables<Data>;
}

/** Options of the Hono middleware. */
export interface HonoSessionOptions {
  /**
   * The client IP to record at login, e.g. `(c) => getConnInfo(c).remote.address` on Node.
   * Default: none (Hono has no runtime-neutral way to know it).
   */
  readonly ip?: (c: Context) => string | undefined;
}

/**
 * Creates the middleware. Typed so that chaining (`app.use(session(s)).get(...)`) or a per-route
 * use (`app.get('/', session(s), (c) => ...)`) sees `c.get('session')` as `Session<Data>`.
 *
 * When a handler throws a coatcheck error (e.g. the store is down while reading the session) and
 * the error handler answered with a generic 500, the response's status becomes the error's own
 * (503 for StoreUnavailableError); a custom `onError` that chose another status is left alone.
 *
 * @example
 * ```ts
 * const sessions = createSessions<{ count: number }>({ store: memoryStore() });
 * const app = new Hono<SessionEnv<{ count: number }>>();
 * app.use(session(sessions));
 * app.get('/', async (c) => {
 *   const s = c.get('session');
 *   const count = ((await s.get('count')) ?? 0) + 1;
 *   await s.set('count', count);
 *   return c.text(String(count));
 * });
 * ```
 */
export function session<Data extends SessionData>(
  sessions: Sessions<Data>,
  options: HonoSessionOptions = {},
): MiddlewareHandler<SessionEnv<Data>> {
  return async function coatcheckHono(c, next) {
    const lookup = options.ip;
    // Looked up only if login() records it.
    const handle = loadSession(sessions, c.req.raw, lookup === undefined ? {} : { ip: () => lookup(c) });
    c.set('session', handle);
    await next();
    const thrown = c.error;
    if (thrown instanceof CoatcheckError && c.res.status === 500 && thrown.status !== 500) {
      replaceResponse(c, errorResponse(thrown));
    }
    let result: Awaited<ReturnType<typeof sessions.commit>>;
    try {
      result = await sessions.commit(handle, { status: c.res.status });
    } catch (error) {
      throw new HTTPException(errorStatus(error) as 503, { res: errorResponse(error), cause: error });
    }
    const updated = applyCommit(c.res, result);
    if (updated !== c.res) replaceResponse(c, updated);
  };
}

/** Replaces `c.res` as is: Hono's setter would otherwise copy the old response's headers over it. */
function replaceResponse(c: Context, response: Response): void {
  c.res = undefined;
  c.res = response;
}

/**
 * Opt-in CSRF middleware; register it after `session(sessions)`. Unsafe requests must carry the
 * session's token (header `x-csrf-token` or form field `_csrf`) and must not come from another
 * site (Sec-Fetch-Site / Origin); a failure throws an HTTPException 403 whose `cause` is the
 * CsrfError (code COATCHECK_CSRF).
 */
export function csrf<Data extends SessionData>(
  options: CsrfGuardOptions = {},
): MiddlewareHandler<SessionEnv<Data>> {
  return async function coatcheckHonoCsrf(c, next) {
    try {
      await verifyRequestCsrf(c.req.raw, c.get('session'), options);
    } catch (error) {
      if (!(error instanceof CoatcheckError) || error.status !== 403) throw error;
      throw new HTTPException(403, { res: csrfFailureResponse(), cause: error });
    }
    await next();
  };
}
