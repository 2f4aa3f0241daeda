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
 * The LoadInput of the current request: its headers from `headers()`, but the Cookie header from
 * `cookies()`. After a Server Action sets the cookie, Next re-renders the page in the same request
 * and updates `cookies()` with the new value, but not `headers()` (next 16's
 * `synchronizeMutableCookies`), so a read through `headers()` would see the old ticket
 * (test/next/next.test.ts, "re-render of the page reads the ticket it just wrote").
 */
export async function currentLoadInput<Data extends SessionData>(
  sessions: Sessions<Data>,
  context: string,
  options: NextHeadersOptions,
): Promise<LoadInput> {
  const [requestHeaders, jar] = await Promise.all([headers(), cookies()]);
  const lookup = options.ip;
  const source: CookieAwareHeaders = { headers: requestHeaders, cookie: jar.toString() };
  return loadInput(sessions, source, readHeader, {
    ip: lookup === undefined ? undefined : () => lookup(requestHeaders),
    context,
  });
}

/** The request's headers, with the Cookie header as `cookies()` holds it now. */
interface CookieAwareHeaders {
  readonly headers: NextRequestHeaders;
  readonly cookie: string;
}

function readHeader(source: CookieAwareHeaders, name: string): string | null {
  return name === 'cookie' ? source.cookie || null : source.headers.get(name);
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
