/**
 * Opt-in CSRF protection for the node:http adapter: wrap a session handler so unsafe requests
 * must carry the session's CSRF token and must not come from another site.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CsrfGuardOptions, csrfRequestOf, verifyCsrf } from '../../core/csrf.ts';
import { CsrfError } from '../../core/errors.ts';
import type { Session, SessionData } from '../../core/session.ts';

type Handler<Data extends SessionData> = (
  req: IncomingMessage,
  res: ServerResponse,
  session: Session<Data>,
) => void | Promise<void>;

/**
 * Verifies the CSRF token of `req` (header `x-csrf-token`, or the `_csrf` field of a body a
 * previous step parsed into `req.body`) against `session`, plus Sec-Fetch-Site / Origin.
 * @throws CsrfError (code COATCHECK_CSRF, status 403).
 */
export function verifyNodeCsrf<Data extends SessionData>(
  req: IncomingMessage,
  session: Session<Data>,
  options: CsrfGuardOptions = {},
): Promise<void> {
  const get = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const body = (req as { body?: unknown }).body;
  return verifyCsrf(session, csrfRequestOf(req.method ?? 'GET', get, body, options));
}

/**
 * Wraps a `withSessions` handler: unsafe requests failing the CSRF check get a 403 and never
 * reach `handler`.
 * @example createServer(withSessions(sessions, withCsrf(handler, { expectedOrigin: 'https://example.com' })))
 */
export function withCsrf<Data extends SessionData>(
  handler: Handler<Data>,
  options: CsrfGuardOptions = {},
): Handler<Data> {
  return async function coatcheckNodeCsrf(req, res, session) {
    try {
      await verifyNodeCsrf(req, session, options);
    } catch (error) {
      if (!(error instanceof CsrfError)) throw error;
      res.statusCode = 403;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('Forbidden: CSRF check failed\n');
      return;
    }
    await handler(req, res, session);
  };
}
