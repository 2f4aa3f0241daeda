/**
 * Opt-in CSRF protection for the Web (Fetch API) adapter, also used by the Hono adapter.
 */
import { isSafeMethod } from '../../core/csrf.ts';
import { CsrfError, type CsrfGuardOptions, type Session, type SessionData } from '../../index.ts';
import { checkCsrf } from '../kit/csrf.ts';
import { webHeader } from '../kit/request.ts';

/**
 * Verifies the CSRF token of a Request: the `x-csrf-token` header, else the `_csrf` field of a
 * urlencoded or multipart form (read from a clone, so the handler can still read the body),
 * plus Sec-Fetch-Site / Origin.
 * @throws CsrfError (code COATCHECK_CSRF, status 403).
 */
export async function verifyRequestCsrf<Data extends SessionData>(
  request: Request,
  session: Session<Data>,
  options: CsrfGuardOptions = {},
): Promise<void> {
  const headers = request.headers;
  let body: Record<string, unknown> | undefined;
  const headerName = (options.header ?? 'x-csrf-token').toLowerCase();
  if (!isSafeMethod(request.method) && !headers.get(headerName) && isForm(headers.get('content-type'))) {
    try {
      const field = (await request.clone().formData()).get(options.field ?? '_csrf');
      if (typeof field === 'string') body = { [options.field ?? '_csrf']: field };
    } catch {
      // An unreadable form carries no token: the check below refuses it.
    }
  }
  return checkCsrf(session, request.method, request.headers, webHeader, body, options);
}

function isForm(contentType: string | null): boolean {
  if (contentType === null) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data';
}

/** The 403 response for a failed CSRF check. */
export function csrfFailureResponse(): Response {
  return new Response('Forbidden: CSRF check failed\n', {
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

/**
 * Wraps a web session handler: unsafe requests failing the CSRF check get a 403 and never reach
 * `handler`. Use inside `withSessions(sessions, withCsrf(handler))`.
 */
export function withCsrf<Data extends SessionData>(
  handler: (request: Request, session: Session<Data>) => Response | Promise<Response>,
  options: CsrfGuardOptions = {},
): (request: Request, session: Session<Data>) => Promise<Response> {
  return async function coatcheckWebCsrf(request, session) {
    try {
      await verifyRequestCsrf(request, session, options);
    } catch (error) {
      if (error instanceof CsrfError) return csrfFailureResponse();
      throw error;
    }
    return handler(request, session);
  };
}
