/**
 * CSRF protection for cookie sessions: a synchronizer token bound to the session (renewed at
 * login), plus a Fetch Metadata / Origin check for unsafe methods. Both must pass.
 */
import { constantTimeEqual } from './constant-time.ts';
import { CsrfError } from './errors.ts';
import type { CsrfRefusal } from './events.ts';
import { type Session, type SessionData, sessionState } from './session.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** What the check needs from the request; adapters fill it from their framework. */
export interface CsrfRequest {
  /** The request method; safe methods (GET, HEAD, OPTIONS, TRACE) are never refused. */
  readonly method: string;
  /** The token the client sent back (form field or header). */
  readonly token: string | null | undefined;
  /** `Sec-Fetch-Site` header. */
  readonly secFetchSite?: string | null | undefined;
  /** `Origin` header. */
  readonly origin?: string | null | undefined;
  /** The origin the app is served from, e.g. `https://example.com`; when given, `Origin` must match it. */
  readonly expectedOrigin?: string | undefined;
}

/**
 * Verifies an unsafe request: rejects cross-site requests by Fetch Metadata (`Sec-Fetch-Site` of
 * `cross-site`) or a mismatched `Origin`, then compares the token with the session's in constant time.
 * Safe methods pass without a token.
 * @throws CsrfError (code COATCHECK_CSRF, status 403).
 */
export async function verifyCsrf<Data extends SessionData>(
  session: Session<Data>,
  request: CsrfRequest,
): Promise<void> {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return;
  if (request.secFetchSite === 'cross-site')
    throw refuse(session, 'cross_site', 'Cross-site request refused (Sec-Fetch-Site: cross-site).');
  if (request.origin && request.expectedOrigin !== undefined && request.origin !== request.expectedOrigin) {
    throw refuse(
      session,
      'origin',
      `Request from origin ${request.origin} refused; expected ${request.expectedOrigin}.`,
    );
  }
  const expected = await session.existingCsrfToken();
  // Compared as text: a same-length token with multi-byte characters is refused like any other
  // wrong token (comparing UTF-8 bytes of unequal lengths threw a RangeError, a 500).
  if (expected === undefined || !constantTimeEqual(request.token ?? '', expected)) {
    throw refuse(session, 'token', 'Missing or invalid CSRF token.');
  }
}

/** The error for a refused request, reported first (`csrf_refused` event, telemetry). */
function refuse(session: Session<SessionData>, reason: CsrfRefusal, message: string): CsrfError {
  const state = sessionState(session);
  state.runtime.reportCsrfRefusal(state, reason);
  return new CsrfError(message);
}

/** Options of the adapters' opt-in CSRF middleware. */
export interface CsrfGuardOptions {
  /** Request header carrying the token (for fetch/XHR clients). Default `x-csrf-token`. */
  readonly header?: string;
  /** Form field carrying the token, read from the framework's parsed body. Default `_csrf`. */
  readonly field?: string;
  /** The app's origin, e.g. `https://example.com`; when set, a different `Origin` is refused. */
  readonly expectedOrigin?: string;
}

/**
 * Builds the CsrfRequest of an adapter's request: the token from the header, else from the
 * parsed body's field (when the body is an object). `get` returns a request header (lower-case name).
 */
export function csrfRequestOf(
  method: string,
  get: (name: string) => string | undefined,
  body: unknown,
  options: CsrfGuardOptions = {},
): CsrfRequest {
  const headerToken = get((options.header ?? 'x-csrf-token').toLowerCase());
  let token = headerToken;
  if (token === undefined && body !== null && typeof body === 'object') {
    const name = options.field ?? '_csrf';
    // Own properties only: a parsed body must not reach the prototype chain.
    const field = Object.hasOwn(body, name) ? (body as Record<string, unknown>)[name] : undefined;
    if (typeof field === 'string') token = field;
  }
  return {
    method,
    token,
    secFetchSite: get('sec-fetch-site'),
    origin: get('origin'),
    expectedOrigin: options.expectedOrigin,
  };
}

/** True for methods the CSRF check lets through without a token. */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}
