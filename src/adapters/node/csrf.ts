/**
 * Opt-in CSRF protection for the node:http adapter: wrap a session handler so unsafe requests
 * must carry the session's CSRF token and must not come from another site.
 */
import type { IncomingMessage } from 'node:http';
import { CsrfError, type CsrfGuardOptions, type Session, type SessionData } from '../../index.ts';
import { checkCsrf } from '../kit/csrf.ts';
import { nodeHeader } from '../kit/request.ts';
import type { SessionHandler } from './request.ts';

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
  const body = (req as { body?: unknown }).body;
  return checkCsrf(session, req.method ?? 'GET', req.headers, nodeHeader, body, options);
}

/**
 * Wraps a `withSessions` handler: unsafe requests failing the CSRF check get a 403 and never
 * reach `handler`.
 * @example createServer(withSessions(sessions, withCsrf(handler, { expectedOrigin: 'https://example.com' })))
 */
export function withCsrf<Data extends SessionData>(
  handler: SessionHandler<Data>,
  options: CsrfGuardOptions = {},
): SessionHandler<Data> {
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
