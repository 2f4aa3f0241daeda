/**
 * Next.js App Router adapter, over the Web adapter and `next/headers`:
 * - Route Handlers: {@link withRouteSession} (Node and edge runtime), all session headers set;
 * - middleware / proxy: {@link withMiddlewareSession} (edge `middleware.ts` or Node `proxy.ts`);
 * - Server Actions: {@link withActionSession}, the cookie written through `cookies().set()`;
 * - Server Components: {@link readSession}, read-only, because Next refuses cookies there.
 * `next` is an optional peer, imported by this entry point only.
 */
import { NextResponse } from 'next/server.js';
import { CoatcheckError, type Session, type SessionData, type Sessions } from '../index.ts';
import { controlFlowStatus } from './next/control-flow.ts';
import { commitToCookies } from './next/request-cookies.ts';
import { commitResponse, errorResponse, loadSession, type WebRequestInfo } from './web.ts';

/** Per-request facts Next does not put on the Request (the client address). */
export type NextRequestInfo<Req extends Request = Request> = (request: Req) => WebRequestInfo;

/** A Route Handler that receives the session: `(request, session, context)`. */
export type SessionRouteHandler<Data extends SessionData, Req extends Request, Context> = (
  request: Req,
  session: Session<Data>,
  context: Context,
) => Response | Promise<Response>;

/**
 * Wraps a Route Handler: loads the session from the Request (no I/O), runs the handler, commits
 * onto its Response (Set-Cookie, Vary, Cache-Control). A `redirect()`/`notFound()` thrown by the
 * handler is committed through `cookies()` and rethrown for Next; a coatcheck error becomes its
 * status (503 for a store outage); any other error is rethrown to Next's error handling.
 * Runs on the Node and the edge runtime.
 *
 * @example
 * ```ts
 * // app/api/count/route.ts
 * export const POST = withRouteSession(sessions, async (request, session) => {
 *   const count = ((await session.get('count')) ?? 0) + 1;
 *   await session.set('count', count);
 *   return Response.json({ count });
 * });
 * ```
 */
export function withRouteSession<Data extends SessionData, Req extends Request = Request, Context = unknown>(
  sessions: Sessions<Data>,
  handler: SessionRouteHandler<Data, Req, Context>,
  info?: NextRequestInfo<Req>,
): (request: Req, context: Context) => Promise<Response> {
  return function coatcheckNextRoute(request, context) {
    return respond(sessions, request, info, (session) => handler(request, session, context));
  };
}

/** Middleware logic with the session: return a Response to answer or redirect, nothing to go on. */
export type SessionMiddleware<Data extends SessionData, Req extends Request, Event> = (
  request: Req,
  session: Session<Data>,
  event: Event,
) => Response | undefined | Promise<Response | undefined>;

/**
 * Wraps Next's middleware (`middleware.ts`, edge runtime) or proxy (`proxy.ts`, Node runtime):
 * the session is loaded from the Request; when `handler` returns nothing the request goes on
 * (`NextResponse.next()`); the commit's headers go onto whichever response results.
 *
 * Meant for gating and touching (redirect anonymous users, extend the idle window): the route
 * behind it reads the Cookie header the browser sent, so a ticket this middleware issues or
 * rotates reaches the app only from the next request on. Log in in a Server Action or Route Handler.
 *
 * @example
 * ```ts
 * // middleware.ts
 * export const middleware = withMiddlewareSession(sessions, async (request, session) => {
 *   if ((await session.userId()) === null) return NextResponse.redirect(new URL('/login', request.url));
 * });
 * export const config = { matcher: ['/account/:path*'] };
 * ```
 */
export function withMiddlewareSession<
  Data extends SessionData,
  Req extends Request = Request,
  Event = unknown,
>(
  sessions: Sessions<Data>,
  handler: SessionMiddleware<Data, Req, Event>,
  info?: NextRequestInfo<Req>,
): (request: Req, event: Event) => Promise<Response> {
  return function coatcheckNextMiddleware(request, event) {
    return respond(sessions, request, info, async (session) => {
      return (await handler(request, session, event)) ?? NextResponse.next();
    });
  };
}

/** Loads the session of `request`, runs `run`, commits onto its response (see withRouteSession). */
async function respond<Data extends SessionData, Req extends Request>(
  sessions: Sessions<Data>,
  request: Req,
  info: NextRequestInfo<Req> | undefined,
  run: (session: Session<Data>) => Response | Promise<Response>,
): Promise<Response> {
  const session = loadSession(sessions, request, info?.(request));
  let response: Response;
  try {
    response = await run(session);
  } catch (error) {
    const status = controlFlowStatus(error);
    if (status !== undefined) {
      // Next builds this response itself and adds what cookies() holds.
      await commitToCookies(sessions, session, status);
      throw error;
    }
    if (!(error instanceof CoatcheckError)) throw error;
    response = errorResponse(error);
  }
  try {
    return await commitResponse(sessions, session, response);
  } catch (error) {
    return errorResponse(error);
  }
}

export { withActionSession } from './next/action-session.ts';
export { type ReadonlySession, readSession } from './next/read-session.ts';
export type { NextHeadersOptions, NextRequestHeaders } from './next/request-cookies.ts';
