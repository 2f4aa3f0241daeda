/**
 * Loads the session of a node:http request (no I/O): the ticket from the cookie or the configured
 * header, and the request metadata core records at login. Shared by the node and Express adapters.
 */
import type { IncomingMessage } from 'node:http';
import type { Session, SessionData } from '../../core/session.ts';
import type { LoadHooks, Sessions } from '../../core/sessions.ts';

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
  const headerName = sessions.options.header?.name;
  const rawHeader = headerName === undefined ? undefined : req.headers[headerName];
  const lookup = options.clientIp;
  const trustProxy = options.trustProxy === true;
  return sessions.load(
    {
      cookie: req.headers.cookie,
      header: Array.isArray(rawHeader) ? rawHeader[0] : rawHeader,
      // Only login() records the IP, so it is looked up then: Express's req.ip walks the
      // `trust proxy` rules and the socket address is a getpeername() call, on every request otherwise.
      ip: () => (lookup === undefined ? clientIp(req, trustProxy) : lookup(req)),
      userAgent: req.headers['user-agent'],
    },
    hooks,
  );
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress;
}
