/**
 * The attributes of a `Set-Cookie` value, for frameworks that only take a cookie as
 * name/value/options (Next.js's `cookies().set()`, SvelteKit's `cookies.set()`) instead of a raw
 * header. Core serializes the cookie once; this reads back only what core writes.
 */

/** A Set-Cookie value split into its parts. Attribute names as in RFC 6265bis §5.7. */
export interface SetCookieParts {
  readonly name: string;
  /** The value as sent (core's tickets are base64url, so never percent-encoded). */
  readonly value: string;
  readonly path?: string;
  readonly domain?: string;
  /** Seconds; 0 deletes the cookie. */
  readonly maxAge?: number;
  readonly expires?: Date;
  readonly httpOnly?: true;
  readonly secure?: true;
  readonly partitioned?: true;
  readonly sameSite?: 'strict' | 'lax' | 'none';
  readonly priority?: 'low' | 'medium' | 'high';
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Splits a Set-Cookie value: `name=value` then `; Attribute[=value]` pairs. Unknown attributes are
 * dropped (core writes none), as are malformed numbers and dates rather than guessed at.
 */
export function parseSetCookie(header: string): SetCookieParts {
  const end = header.indexOf(';');
  const pair = end === -1 ? header : header.slice(0, end);
  const eq = pair.indexOf('=');
  const parts: Mutable<SetCookieParts> = {
    name: (eq === -1 ? '' : pair.slice(0, eq)).trim(),
    value: (eq === -1 ? pair : pair.slice(eq + 1)).trim(),
  };
  let start = end;
  while (start !== -1) {
    const next = header.indexOf(';', start + 1);
    const attribute = header.slice(start + 1, next === -1 ? undefined : next);
    start = next;
    const equals = attribute.indexOf('=');
    const key = (equals === -1 ? attribute : attribute.slice(0, equals)).trim().toLowerCase();
    const value = equals === -1 ? '' : attribute.slice(equals + 1).trim();
    switch (key) {
      case 'path':
        parts.path = value;
        break;
      case 'domain':
        parts.domain = value;
        break;
      case 'max-age':
        if (/^-?\d+$/.test(value)) parts.maxAge = Number(value);
        break;
      case 'expires': {
        const date = new Date(value);
        if (!Number.isNaN(date.getTime())) parts.expires = date;
        break;
      }
      case 'httponly':
        parts.httpOnly = true;
        break;
      case 'secure':
        parts.secure = true;
        break;
      case 'partitioned':
        parts.partitioned = true;
        break;
      case 'samesite': {
        const same = value.toLowerCase();
        if (same === 'strict' || same === 'lax' || same === 'none') parts.sameSite = same;
        break;
      }
      case 'priority': {
        const priority = value.toLowerCase();
        if (priority === 'low' || priority === 'medium' || priority === 'high') parts.priority = priority;
        break;
      }
    }
  }
  return parts;
}
