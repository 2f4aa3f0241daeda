/**
 * The session cookie's Set-Cookie values, from the resolved cookie options. Deletion repeats the
 * attributes of the cookie it deletes, since browsers match on name, domain, path and partition.
 */
import { type CookieAttributes, serializeCookie, serializeCookieDeletion } from './cookie.ts';
import type { ResolvedCookie } from './options.ts';

function attributesOf(cookie: ResolvedCookie): CookieAttributes {
  return {
    path: cookie.path,
    domain: cookie.domain,
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    sameSite: cookie.sameSite,
    partitioned: cookie.partitioned,
  };
}

/**
 * Set-Cookie for a ticket; `maxAgeMs` makes it persistent (`Max-Age`, and `Expires` at `now` +
 * that, for clients that predate Max-Age), `undefined` a browser-session cookie.
 */
export function sessionCookie(
  cookie: ResolvedCookie,
  ticket: string,
  maxAgeMs: number | undefined,
  now: number,
): string {
  const attributes = attributesOf(cookie);
  if (maxAgeMs !== undefined) {
    const seconds = Math.max(0, Math.floor(maxAgeMs / 1000));
    attributes.maxAge = seconds;
    attributes.expires = new Date(now + seconds * 1000);
  }
  return serializeCookie(cookie.name, ticket, attributes);
}

/** Set-Cookie that removes the session cookie. */
export function clearingCookie(cookie: ResolvedCookie): string {
  return serializeCookieDeletion(cookie.name, attributesOf(cookie));
}
