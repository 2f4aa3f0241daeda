/**
 * Sessions for WebSocket (and other HTTP `upgrade`) requests on node:http. An upgrade has no
 * response to carry a Set-Cookie, so its session is read-only: loaded once, never committed,
 * never extended (the connection's own lifetime is the app's to bound).
 */
import type { IncomingMessage } from 'node:http';
import { CsrfError, type Session, type SessionData, type Sessions } from '../../index.ts';
import { loadInput, nodeHeader, requestContext } from '../kit/request.ts';

/** What an upgrade handler may do with its session: read, never write. */
export interface ReadonlySession<Data extends SessionData = SessionData> {
  /** True when no live session was found (anonymous connection). */
  readonly isNew: boolean;
  /** {@link Session.get}: the value at `key`, or `undefined`. */
  get: Session<Data>['get'];
  /** {@link Session.has}: whether `key` holds a value. */
  has: Session<Data>['has'];
  /** {@link Session.entries}: every user key and its value. */
  entries: Session<Data>['entries'];
  /** {@link Session.userId}: the session's user, or `null`: check it before accepting the socket. */
  userId: Session<Data>['userId'];
  /** {@link Session.info}: times, owner, auth time, remember-me. */
  info: Session<Data>['info'];
  /** {@link Session.requireRecentAuth}: throws ReauthenticationRequiredError when the login is older. */
  requireRecentAuth: Session<Data>['requireRecentAuth'];
}

/** Options of {@link loadUpgradeSession}. */
export interface UpgradeSessionOptions {
  /**
   * The app's origin, e.g. `https://example.com`. When set, an upgrade whose `Origin` differs is
   * refused with CsrfError (status 403): browsers send cookies with cross-site WebSocket
   * handshakes, so without this check any site can open a socket as the user (CSWSH). Default none.
   */
  readonly expectedOrigin?: string;
  /** The client IP, when the app knows better than the socket address. */
  readonly ip?: string;
}

/**
 * Loads the session of an `upgrade` request: one store read, then a read-only view. Use it in
 * `server.on('upgrade', ...)` before accepting the socket.
 * @throws CsrfError (COATCHECK_CSRF, 403) when `expectedOrigin` is set and `Origin` differs.
 * @throws StoreUnavailableError (COATCHECK_STORE_UNAVAILABLE, 503) when the store fails.
 * @example
 * server.on('upgrade', async (req, socket, head) => {
 *   const session = await loadUpgradeSession(sessions, req, { expectedOrigin: 'https://example.com' });
 *   if ((await session.userId()) === null) return socket.destroy();
 *   wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
 * });
 */
export async function loadUpgradeSession<Data extends SessionData>(
  sessions: Sessions<Data>,
  req: IncomingMessage,
  options: UpgradeSessionOptions = {},
): Promise<ReadonlySession<Data>> {
  if (options.expectedOrigin !== undefined && req.headers.origin !== options.expectedOrigin) {
    throw new CsrfError(
      `Upgrade from origin ${String(req.headers.origin)} refused; expected ${options.expectedOrigin}.`,
    );
  }
  const session = sessions.load(
    loadInput(sessions, req.headers, nodeHeader, {
      ip: options.ip ?? req.socket.remoteAddress,
      context: () => requestContext(req.method, req.url),
    }),
  );
  await session.load();
  return Object.freeze({
    get isNew() {
      return session.isNew;
    },
    get: (key) => session.get(key),
    has: (key) => session.has(key),
    entries: () => session.entries(),
    userId: () => session.userId(),
    info: () => session.info(),
    requireRecentAuth: (maxAge) => session.requireRecentAuth(maxAge),
  } satisfies ReadonlySession<Data>);
}
