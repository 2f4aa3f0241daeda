/**
 * The two ends of a session in `next/headers` scope (Server Actions, Server Components, and Route
 * Handlers that throw `redirect()`): the request's Cookie header in, the commit's Set-Cookie out
 * through `cookies().set()`, the only way Next lets these places send a cookie.
 */
import { cookies, headers } from 'next/headers.js';
import { readCookie } from '../../core/cookie.ts';
import type { CommitResult, LoadInput, Session, SessionData, Sessions } from '../../index.ts';
import { loadInput } from '../kit/request.ts';
import { parseSetCookie } from '../kit/set-cookie.ts';

/** Request headers as `next/headers` gives them (read-only). */
export interface NextRequestHeaders {
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
 * The LoadInput of the current request. The Cookie header normally; but a Server Action that
 * changed the ticket re-renders the page within the same request, where `headers()` still shows
 * the old ticket and only `cookies()` the new one, so the cookie store's value wins when the
 * header holds at most one ticket. Duplicates in the header are left to core, which refuses them.
 */
export async function currentLoadInput<Data extends SessionData>(
  sessions: Sessions<Data>,
  context: string,
  options: NextHeadersOptions,
): Promise<LoadInput> {
  const [requestHeaders, jar] = await Promise.all([headers(), cookies()]);
  let cookie = requestHeaders.get('cookie') || undefined;
  const name = sessions.options.cookie?.name;
  if (name !== undefined) {
    const written = jar.get(name)?.value;
    const sent = readCookie(cookie, name);
    if (written !== undefined && sent.count <= 1 && written !== sent.value) cookie = `${name}=${written}`;
  }
  const lookup = options.ip;
  const input = loadInput(sessions, requestHeaders, readHeader, {
    ip: lookup === undefined ? undefined : () => lookup(requestHeaders),
    context,
  });
  return { ...input, cookie };
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
