/**
 * The public id of a session, for the compatibility layers that must offer one (express-session's
 * `req.sessionID`, @fastify/session's `sessionId`): the SHA-256 store key of its ticket, without the
 * key prefix. It is the `sessionId` of core's events and of `sessions.listUser()`, so it can be
 * logged or passed to `sessions.revokeSession()`, and it cannot be used as a ticket.
 */
import { storeKeyFor } from '../../core/token.ts';
import type { Session, SessionData } from '../../index.ts';

/**
 * The id of `session`. For a new session this reserves the ticket it will be stored under
 * (`issueToken()`), so the id stays the same when the commit creates it.
 */
export function sessionIdOf<Data extends SessionData>(session: Session<Data>): string {
  return storeKeyFor(session.issueToken(), '');
}
