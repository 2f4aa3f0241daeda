/**
 * Web-standard adapter (`Request` → `Response`) for Hono, Next.js route handlers, Bun, Deno and
 * anything else built on the Fetch API. The session is loaded from the Request without I/O and the
 * commit is applied to the Response the handler returns.
 */
import { responseHeaders } from '../core/response-headers.ts';
import type { CommitResult, Session, SessionData, Sessions } from '../index.ts';
import { loadInput, requestContext, webHeader } from './kit/request.ts';
import { applyResponseHeaders, errorStatus, errorText } from './kit/response.ts';

/** Request metadata the Fetch API does not carry. */
export interface WebRequestInfo {
  /**
   * Client address (e.g. from your platform's connection info), or a function returning it,
   * called only when `login()` records it.
   */
  readonly ip?: string | (() => string | undefined) | undefined;
}

/**
 * Loads the session of a Request. No I/O: the store is read on first access. With
 * {@link commitResponse}, the pair a framework that owns the handler uses (coatcheck/hono is built
 * on it); otherwise {@link withSessions} does both.
 *
 * @example
 * ```ts
 * const session = loadSession(sessions, request, { ip: () => clientAddress });
 * const response = await render(request, session);
 * return commitResponse(sessions, session, response);
 * ```
 */
export function loadSession<Data extends SessionData>(
  sessions: Sessions<Data>,
  request: Request,
  info: WebRequestInfo = {},
): Session<Data> {
  return sessions.load(
    loadInput(sessions, request.headers, webHeader, {
      ip: info.ip,
      context: () => requestContext(request.method, request.url),
    }),
  );
}

/**
 * Commits `session` and returns the response with the session headers added. Returns a copy when
 * the response's headers are immutable (e.g. `Response.redirect()`).
 * @throws StoreUnavailableError (status 503) when the store fails.
 */
export async function commitResponse<Data extends SessionData>(
  sessions: Sessions<Data>,
  session: Session<Data>,
  response: Response,
): Promise<Response> {
  const result = await sessions.commit(session, { status: response.status });
  return applyCommit(response, result);
}

/** Adds a commit's headers to a response (a copy when its headers are immutable). */
export function applyCommit(response: Response, result: CommitResult): Response {
  if (responseHeaders(result).length === 0) return response;
  let target = response;
  try {
    target.headers.append('vary', '');
    target.headers.delete('vary');
  } catch {
    target = new Response(response.body, response);
  }
  const vary = response.headers.get('vary') ?? undefined;
  if (vary !== undefined) target.headers.set('vary', vary);
  applyResponseHeaders(result, target.headers);
  return target;
}

/** A handler that receives the session alongside the Request. */
export type WebSessionHandler<Data extends SessionData> = (
  request: Request,
  session: Session<Data>,
) => Response | Promise<Response>;

/**
 * Wraps a Fetch handler: loads the session, runs the handler, commits. Store failures become a
 * 503 response, other coatcheck errors their status, anything else 500; nothing is thrown.
 *
 * @example
 * ```ts
 * export default {
 *   fetch: withSessions(sessions, async (request, session) => {
 *     const visits = ((await session.get('visits')) ?? 0) + 1;
 *     await session.set('visits', visits);
 *     return new Response(`visits: ${visits}`);
 *   }),
 * };
 * ```
 */
export function withSessions<Data extends SessionData>(
  sessions: Sessions<Data>,
  handler: WebSessionHandler<Data>,
  info?: (request: Request) => WebRequestInfo,
): (request: Request) => Promise<Response> {
  return async function coatcheckWebHandler(request) {
    let session: Session<Data>;
    try {
      session = loadSession(sessions, request, info?.(request));
    } catch (error) {
      return errorResponse(error);
    }
    let response: Response;
    try {
      response = await handler(request, session);
    } catch (error) {
      response = errorResponse(error);
    }
    try {
      return await commitResponse(sessions, session, response);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/**
 * The plain-text response for an error that escaped a handler: a coatcheck error's `status`
 * (503 for `COATCHECK_STORE_UNAVAILABLE`, 403 for `COATCHECK_CSRF`…), anything else 500. The body
 * is a fixed text, never the error's message.
 */
export function errorResponse(error: unknown): Response {
  const status = errorStatus(error);
  return new Response(errorText(status), {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

export type { CsrfGuardOptions } from '../index.ts';
export { csrfFailureResponse, verifyRequestCsrf, withCsrf } from './web/csrf.ts';
