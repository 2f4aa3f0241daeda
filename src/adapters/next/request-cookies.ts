/**
 * The two ends of a session in `next/headers` scope (Server Actions, Server Components, and Route
 * Handlers that throw `redirect()`): the request's Cookie header in, the commit's Set-Cookie out
 * through `cookies().set()`, the only way Next lets these places send a cookie.
 */
import { cookies, headers } from 'next/headers.js';
import type { CommitResult, LoadInput, Session, SessionData, Sessions } from '../../index.ts';
import { loadInput } from '../kit/request.ts';
import { parseSetCookie } from '../kit/set-cookie.ts';

/** Request headers as `next/headers` gives them (read-only). */
export interface NextRequestHeaders {
  /** The header's value (joined if it has several), or `null` when absent. */
  get(name: string): string | null;
}

/** Options of the `next/headers` based helpers. */
export interface NextHeadersOptions {
  /**
   * The client address to record at login, e.g. `(h) => h.get('x-real-ip') ?? undefined` behind a
   * proxy you trust. Default: none (Next gives Server Actions no connection info).
   */
  readonly ip?: (headers: NextRequestHeaders) => string | undefined;
}

/**
 * The LoadInput of the current request, from `headers()`. (After a Server Action sets the cookie,
 * Next re-renders the page with the new cookie in these headers already: test/next/next.test.ts.)
 */
export async function currentLoadInput<Data extends SessionData>(
  sessions: Sessions<Data>,
  context: string,
  options: NextHeadersOptions,
): Promise<LoadInput> {
  const requestHeaders = await headers();
  const lookup = options.ip;
  return loadInput(sessions, requestHeaders, readHeader, {
    ip: lookup === undefined ? undefined : () => lookup(requestHeaders),
    context,
  });
}

function readHeader(source: NextRequestHeaders, name: string): string | null {
  return source.get(name);
}

/**
 * Commits `session` as a response with `status` and writes its cookie through `cookies().set()`.
 * Vary and Cache-Control cannot be set from here; Next already answers Server Actions uncacheable.
 * @throws StoreUnavailableError (status 503) when the store fails; Error from Next when called
 * where cookies cannot be set (a Server Component).
 */
export async function commitToCookies<Data extends SessionData>(
  sessions: Sessions<Data>,
  session: Session<Data>,
  status: number,
): Promise<CommitResult> {
  const result = await sessions.commit(session, { status });
  if (result.setCookie !== undefined) {
    const { name, value, ...attributes } = parseSetCookie(result.setCookie);
    (await cookies()).set(name, value, attributes);
  }
  return result;
}
