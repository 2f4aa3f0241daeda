/**
 * Loads the session of a node:http request (no I/O): the ticket from the cookie or the configured
 * header, and the request metadata core records at login. Shared by the node and Express adapters.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoadHooks, Session, SessionData, Sessions } from '../../index.ts';
import { loadInput, nodeHeader, requestContext } from '../kit/request.ts';

/** A request handler that receives the session. */
export type SessionHandler<Data extends SessionData> = (
  req: IncomingMessage,
  res: ServerResponse,
  session: Session<Data>,
) => void | Promise<void>;

/** How to find the client IP: a custom lookup, else the socket (or X-Forwarded-For if trusted). */
export interface ClientIpOptions {
  readonly trustProxy?: boolean;
  readonly clientIp?: (req: IncomingMessage) => string | undefined;
}

/** The session of `req`, not yet loaded from the store. */
export function loadRequestSession<Data extends SessionData>(
  sessions: Sessions<Data>,
  req: IncomingMessage,
  options: ClientIpOptions,
  hooks?: LoadHooks<Data>,
): Session<Data> {
  const lookup = options.clientIp;
  const trustProxy = options.trustProxy === true;
  const input = loadInput(sessions, req.headers, nodeHeader, {
    // Only login() records the IP, so it is looked up then: Express's req.ip walks the
    // `trust proxy` rules and the socket address is a getpeername() call, on every request otherwise.
    ip: () => (lookup === undefined ? clientIp(req, trustProxy) : lookup(req)),
    // Express rewrites req.url inside mounted apps; originalUrl keeps the whole path.
    context: () => requestContext(req.method, (req as { originalUrl?: string }).originalUrl ?? req.url),
  });
  return sessions.load(input, hooks);
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const first = nodeHeader(req.headers, 'x-forwarded-for')?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress;
}
