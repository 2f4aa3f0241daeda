/**
 * Koa adapter (Koa 2 and 3): `app.use(session(sessions))` gives every request `ctx.session` and
 * commits it after `await next()`, before Koa flushes the response. A store failure while
 * committing is thrown as a StoreUnavailableError (`status` 503, `expose` false), so Koa's error
 * handling (`app.on('error')`, `ctx.onerror`) answers it with a 503 and nothing half-sent.
 */
import type { DefaultState, Middleware, ParameterizedContext } from 'koa';
import type { CsrfGuardOptions, Session, SessionData, Sessions } from '../index.ts';
import { checkCsrf } from './kit/csrf.ts';
import { loadInput, requestContext } from './kit/request.ts';
import { applyResponseHeaders, type HeaderTarget } from './kit/response.ts';
import {
  type OrdinaryKoaSession,
  type PropertySessionContext,
  type PropertySessionOptions,
  propertySessionOver,
} from './koa/property-session.ts';

/** The context properties the middleware adds: `new Koa<DefaultState, SessionContext<Data>>()`. */
export interface SessionContext<Data extends SessionData = SessionData> {
  /** The request's session, set by the `session()` middleware. */
  session: Session<Data>;
}

/** Options of the Koa middleware. */
export interface KoaSessionOptions {
  /** Record `ctx.ip` (which honours `app.proxy`) at login. Default `true`. */
  readonly recordIp?: boolean;
}

type Ctx<Data extends SessionData> = ParameterizedContext<DefaultState, SessionContext<Data>>;

/**
 * Creates the middleware. Typed so that `app.use(session(sessions))` returns an app whose
 * `ctx.session` is `Session<Data>`; routers can use `ParameterizedContext<State, SessionContext<Data>>`.
 *
 * Errors thrown downstream are committed with their status (a 4xx still saves, a 5xx never does)
 * and rethrown; the session's headers ride on `err.headers`, which Koa's error response keeps.
 *
 * @example
 * ```ts
 * const sessions = createSessions<{ count: number }>({ store: memoryStore() });
 * const app = new Koa().use(session(sessions));
 * app.use(async (ctx) => {
 *   const count = ((await ctx.session.get('count')) ?? 0) + 1;
 *   await ctx.session.set('count', count);
 *   ctx.body = String(count);
 * });
 * ```
 */
export function session<Data extends SessionData>(
  sessions: Sessions<Data>,
  options: KoaSessionOptions = {},
): Middleware<DefaultState, SessionContext<Data>> {
  const recordIp = options.recordIp !== false;
  return async function coatcheckKoa(ctx: Ctx<Data>, next: () => Promise<unknown>) {
    const handle = sessions.load(
      loadInput(sessions, ctx, koaHeader, {
        // A getter (Koa's `proxy` setting): read only if login() records it.
        ip: recordIp ? () => ctx.ip : undefined,
        context: () => requestContext(ctx.method, ctx.originalUrl),
      }),
    );
    ctx.session = handle;
    try {
      await next();
    } catch (error) {
      await commitAfterError(sessions, handle, error);
      throw error;
    }
    // Throws StoreUnavailableError (status 503): Koa answers it, replacing the unsent body.
    const result = await sessions.commit(handle, { status: ctx.status });
    applyResponseHeaders(result, {
      get: (name) => ctx.response.get(name) || undefined,
      set: (name, value) => ctx.set(name, value),
      append: (name, value) => ctx.append(name, value),
    });
  };
}

/** Koa's header reader: `ctx.get` answers `''` for a header the request lacks. */
function koaHeader(ctx: { get(name: string): string }, name: string): string {
  return ctx.get(name);
}

/**
 * Commits for a downstream error with the status Koa will answer with, and attaches the headers
 * to `err.headers` (Koa clears the response's headers before writing an error).
 */
async function commitAfterError<Data extends SessionData>(
  sessions: Sessions<Data>,
  handle: Session<Data>,
  error: unknown,
): Promise<void> {
  const status = errorStatus(error);
  let result: Awaited<ReturnType<typeof sessions.commit>>;
  try {
    result = await sessions.commit(handle, { status });
  } catch {
    return; // the original error is the one to report
  }
  if (error === null || typeof error !== 'object') return;
  const target = error as { headers?: Record<string, string | string[]> };
  const merged: Record<string, string | string[]> = { ...target.headers };
  let added = false;
  applyResponseHeaders(result, {
    get: (name) => {
      const existing = merged[name];
      return existing === undefined ? undefined : String(existing);
    },
    set: (name, value) => {
      merged[name] = value;
      added = true;
    },
    append: (name, value) => {
      const existing = merged[name];
      merged[name] = [...(existing === undefined ? [] : [existing].flat()), value];
      added = true;
    },
  } satisfies HeaderTarget);
  if (!added) return;
  try {
    target.headers = merged;
  } catch {
    // a frozen error object: its response simply goes without the session headers
  }
}

/** The status Koa's `ctx.onerror` will use for `error` (err.status or err.statusCode, else 500). */
function errorStatus(error: unknown): number {
  if (error === null || typeof error !== 'object') return 500;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : 500;
  return value >= 400 && value <= 599 ? value : 500;
}

/**
 * Opt-in CSRF middleware; register it after `session(sessions)` (and after a body parser if the
 * token comes in a form field). Unsafe requests must carry the session's token (header
 * `x-csrf-token`, or `_csrf` in `ctx.request.body`) and must not come from another site; a
 * failure throws CsrfError (code COATCHECK_CSRF, status 403), which Koa answers with 403.
 */
export function csrf<Data extends SessionData>(
  options: CsrfGuardOptions = {},
): Middleware<DefaultState, SessionContext<Data>> {
  return async function coatcheckKoaCsrf(ctx: Ctx<Data>, next: () => Promise<unknown>) {
    const body = (ctx.request as { body?: unknown }).body;
    await checkCsrf(ctx.session, ctx.method, ctx, koaHeader, body, options);
    await next();
  };
}

/**
 * `ctx.session` as express-session's object (data as properties, `regenerate`/`save`/`destroy`/
 * `reload` with callbacks), for koa-passport, which runs passport's express-session calls on it.
 * The session is read when the request starts (one store round trip for a request with a ticket);
 * changes are saved as one per-key patch at commit; `regenerate()` ends the session and starts a
 * fresh one; passport's user is bound as coatcheck's user. See docs/passport.md.
 *
 * @example
 * ```ts
 * app.use(propertySession(sessions));
 * app.use(passport.initialize());
 * app.use(passport.session());
 * ```
 */
export function propertySession<Data extends SessionData>(
  sessions: Sessions<Data>,
  options: PropertySessionOptions = {},
): Middleware<DefaultState, PropertySessionContext<Data>> {
  return propertySessionOver(session as unknown as OrdinaryKoaSession, sessions, options);
}

export type {
  PropertySession,
  PropertySessionContext,
  PropertySessionOptions,
} from './koa/property-session.ts';
