/**
 * Finds and verifies the ticket a request presents, without I/O: the cookie first, then the
 * configured header. Anything malformed, badly signed or ambiguous is rejected here, so a bad
 * ticket never costs a store round trip.
 */
import { readCookie } from './cookie.ts';
import type { ResolvedOptions } from './options.ts';
import type { PresentedTicket } from './session.ts';
import { decodeTicket, storeKeyFor } from './token.ts';

/** What an adapter hands core about a request. Raw strings: adapters never interpret tickets. */
export interface LoadInput {
  /** The raw `Cookie` header. */
  readonly cookie?: string | null | undefined;
  /** The raw value of the configured ticket header (`header` option), if any. */
  readonly header?: string | null | undefined;
  /**
   * Client address, recorded at login and shown in session lists; or a function returning it,
   * called only at login, for adapters whose lookup costs something on every request (Express's
   * `req.ip` walks the `trust proxy` rules).
   */
  readonly ip?: string | (() => string | undefined) | undefined;
  /** `User-Agent`, recorded at login and shown in session lists. */
  readonly userAgent?: string | undefined;
  /**
   * Where the request went, e.g. `GET /cart`, named in the warning a session used after its
   * response was sent raises (the `late_use` event); or a function that returns it, called only then.
   */
  readonly context?: string | (() => string) | undefined;
}

const NO_TICKET: PresentedTicket = {
  kind: 'none',
  inCookie: false,
  token: undefined,
  key: undefined,
  staleSignature: false,
};

/** Why a ticket was rejected, for the matching audit event. */
export type Rejection = 'invalid_token' | 'invalid_signature' | 'ambiguous_cookie';

/** Reads the ticket of one request. `onReject` is told why a present ticket was refused. */
export function readTicket(
  input: LoadInput,
  options: ResolvedOptions,
  onReject: (reason: Rejection) => void,
): PresentedTicket {
  const cookie = options.cookie;
  if (cookie !== undefined && input.cookie) {
    const found = readCookie(input.cookie, cookie.name);
    if (found.value !== undefined) {
      // Two different session cookies (e.g. one planted for a parent domain): trust neither.
      if (found.conflicting) {
        onReject('ambiguous_cookie');
        return { ...NO_TICKET, kind: 'rejected', inCookie: true };
      }
      return verify(found.value, true, options, onReject);
    }
  }
  const header = options.header;
  if (header !== undefined && input.header) {
    let value = input.header;
    if (header.bearer) {
      if (value.length < 7 || value.slice(0, 7).toLowerCase() !== 'bearer ') return NO_TICKET;
      value = value.slice(7).trim();
    }
    return verify(value, false, options, onReject);
  }
  return NO_TICKET;
}

function verify(
  ticket: string,
  inCookie: boolean,
  options: ResolvedOptions,
  onReject: (reason: Rejection) => void,
): PresentedTicket {
  const check = decodeTicket(ticket, options.secrets);
  if (!check.ok) {
    onReject(check.reason === 'bad_signature' ? 'invalid_signature' : 'invalid_token');
    return { ...NO_TICKET, kind: 'rejected', inCookie };
  }
  return new ValidTicket(inCookie, check.token, storeKeyFor(check.token, options.keyPrefix), check.stale);
}

/**
 * A verified ticket. A class rather than an object literal: the session keeps it as long as the
 * request lives, and on Express that is long enough for it to be promoted; a class instance is one
 * shape and carries no allocation site V8 could decide to pretenure (docs/BENCHMARKS.md, "Why
 * Express promotes what a session keeps, and the fix").
 */
class ValidTicket implements PresentedTicket {
  readonly kind = 'valid';
  readonly inCookie: boolean;
  readonly token: string;
  readonly key: string;
  readonly staleSignature: boolean;

  constructor(inCookie: boolean, token: string, key: string, staleSignature: boolean) {
    this.inCookie = inCookie;
    this.token = token;
    this.key = key;
    this.staleSignature = staleSignature;
  }
}
