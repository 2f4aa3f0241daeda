/**
 * node:http adapter. `withSessions(sessions, handler)` gives each request a session and commits it
 * before the first byte of the response leaves: `writeHead`, `write` and `end` are held until the
 * commit settles, so Set-Cookie is always in the headers, streamed responses included, and a store
 * failure can still become a clean 503 instead of a half-sent page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session, SessionData, Sessions } from '../index.ts';
import { loadRequestSession, type SessionHandler } from './node/request.ts';
import { HoldCallbacks, holdOnInstance, sendError } from './node/response-hold.ts';

/** Options of the node adapter. */
export interface NodeAdapterOptions {
  /**
   * Take the client IP from the first `X-Forwarded-For` entry (only behind a proxy you control).
   * Default `false`: the socket address.
   */
  readonly trustProxy?: boolean;
  /**
   * Called instead of answering 503 when the commit fails (the store is down). Nothing has been sent
   * and the held response's headers are already removed, so the callback may write a whole new
   * response; framework adapters pass the error to their error handling (Express: `next(err)`).
   * Default: a plain-text 503 (or the error's `status`).
   */
  readonly onCommitError?: (error: unknown) => void;
  /** Finds the client IP instead of `trustProxy` (e.g. Express's `req.ip`, which honours `trust proxy`). */
  readonly clientIp?: (req: IncomingMessage) => string | undefined;
}

export type { SessionHandler } from './node/request.ts';

/**
 * Loads the session of `req` (no I/O) and arranges for it to be committed before `res` sends its
 * headers. Use it when you own the request handler; `withSessions` wraps this for you.
 */
export function attachSession<Data extends SessionData>(
  sessions: Sessions<Data>,
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeAdapterOptions = {},
): Session<Data> {
  const session = loadRequestSession(sessions, req, options);
  holdOnInstance(sessions, session, res, new HoldCallbacks(options.onCommitError));
  return session;
}

/**
 * Wraps a handler: every request gets `session`; errors become 500 (or the error's status, 503 for
 * a store outage, `COATCHECK_STORE_UNAVAILABLE`). The commit runs before `res` sends its headers.
 *
 * @example
 * ```ts
 * createServer(
 *   withSessions(sessions, async (req, res, session) => {
 *     const visits = ((await session.get('visits')) ?? 0) + 1;
 *     await session.set('visits', visits);
 *     res.end(`visits: ${visits}`);
 *   }),
 * ).listen(3000);
 * ```
 */
export function withSessions<Data extends SessionData>(
  sessions: Sessions<Data>,
  handler: SessionHandler<Data>,
  options: NodeAdapterOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return function coatcheckNodeHandler(req, res) {
    let session: Session<Data>;
    try {
      session = attachSession(sessions, req, res, options);
    } catch (error) {
      sendError(res, error);
      return;
    }
    // Called directly, not through Promise.resolve().then(): no microtask hop before the handler.
    let result: void | Promise<void>;
    try {
      result = handler(req, res, session);
    } catch (error) {
      sendError(res, error);
      return;
    }
    if (result instanceof Promise) result.catch((error: unknown) => sendError(res, error));
  };
}

export type { CsrfGuardOptions } from '../index.ts';
export { verifyNodeCsrf, withCsrf } from './node/csrf.ts';
export { loadUpgradeSession, type ReadonlySession, type UpgradeSessionOptions } from './node/upgrade.ts';
