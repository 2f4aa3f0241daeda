/**
 * The CSRF check of the adapter kit: core's check fed from any framework's request through the
 * same header reader the session load uses, so each adapter's opt-in middleware is one call.
 */
import { csrfRequestOf } from '../../core/csrf.ts';
import { type CsrfGuardOptions, type Session, type SessionData, verifyCsrf } from '../../index.ts';
import type { ReadHeader } from './request.ts';

/**
 * Verifies the CSRF token of a request (header `x-csrf-token`, else the `_csrf` field of an
 * already parsed `body`) against `session`, plus Sec-Fetch-Site / Origin. An empty header counts
 * as absent.
 * @throws CsrfError (code COATCHECK_CSRF, status 403).
 */
export function checkCsrf<Data extends SessionData, Source>(
  session: Session<Data>,
  method: string,
  source: Source,
  read: ReadHeader<Source>,
  body: unknown,
  options: CsrfGuardOptions,
): Promise<void> {
  const get = (name: string) => read(source, name) || undefined;
  return verifyCsrf(session, csrfRequestOf(method, get, body, options));
}
