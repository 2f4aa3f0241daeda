/**
 * Cookie grammar, and nothing else: parse a `Cookie` header, serialize a `Set-Cookie` value.
 * A leaf module (no framework, no session logic) on the hot path of every request, so parsing is
 * an index scanner (indexOf/charCodeAt), never split or regex over the whole header.
 * RFC 6265 §4.1 (Set-Cookie), §5.2 (parsing), and draft-ietf-httpbis-rfc6265bis (prefixes, SameSite).
 */
import { CookieError } from './errors.ts';

/** The result of looking up one cookie name. */
export interface CookieLookup {
  /** The first value sent under the name (first duplicate wins), not percent-decoded. */
  readonly value: string | undefined;
  /** How many times the name occurs. */
  readonly count: number;
  /** True when two occurrences carry different values. */
  readonly conflicting: boolean;
}

const NO_COOKIE: CookieLookup = { value: undefined, count: 0, conflicting: false };

/**
 * Hot path: the value of one cookie without building the whole map. Never throws.
 * Values are trimmed and unquoted but not percent-decoded (session tickets are base64url).
 */
export function readCookie(header: string | undefined | null, name: string): CookieLookup {
  if (!header || name.length === 0) return NO_COOKIE;
  let value: string | undefined;
  let count = 0;
  let conflicting = false;
  const length = header.length;
  let index = 0;
  while (index < length) {
    const eq = header.indexOf('=', index);
    if (eq === -1) break;
    let end = header.indexOf(';', index);
    if (end === -1) end = length;
    if (eq > end) {
      // Pairs without '=': jump straight to the pair holding this '=', so a header of many
      // bare ';'-separated tokens costs one pass, not one indexOf('=') scan per token.
      index = header.lastIndexOf(';', eq - 1) + 1;
      continue;
    }
    const keyStart = skipSpace(header, index, eq);
    const keyEnd = skipSpaceBack(header, eq, keyStart);
    if (keyEnd - keyStart === name.length && header.startsWith(name, keyStart)) {
      const found = valueAt(header, eq + 1, end);
      count++;
      if (value === undefined) value = found;
      else if (found !== value) conflicting = true;
    }
    index = end + 1;
  }
  return count === 0 ? NO_COOKIE : { value, count, conflicting };
}

/**
 * Every cookie of a `Cookie` header, in a prototype-less object; the first occurrence of a name
 * wins; values are percent-decoded when they contain `%` (a failed decode keeps the raw value).
 * Never throws, whatever the input.
 */
export function parseCookies(header: string | undefined | null): Record<string, string> {
  const result = Object.create(null) as Record<string, string>;
  if (!header) return result;
  const length = header.length;
  let index = 0;
  while (index < length) {
    const eq = header.indexOf('=', index);
    if (eq === -1) break;
    let end = header.indexOf(';', index);
    if (end === -1) end = length;
    if (eq > end) {
      index = header.lastIndexOf(';', eq - 1) + 1;
      continue;
    }
    const keyStart = skipSpace(header, index, eq);
    const keyEnd = skipSpaceBack(header, eq, keyStart);
    const key = header.slice(keyStart, keyEnd);
    if (key.length > 0 && result[key] === undefined) result[key] = decode(valueAt(header, eq + 1, end));
    index = end + 1;
  }
  return result;
}

function skipSpace(text: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const code = text.charCodeAt(i);
    if (code !== 32 && code !== 9) break;
    i++;
  }
  return i;
}

function skipSpaceBack(text: string, to: number, from: number): number {
  let i = to;
  while (i > from) {
    const code = text.charCodeAt(i - 1);
    if (code !== 32 && code !== 9) break;
    i--;
  }
  return i;
}

/** The trimmed value between `from` and `to`, with one pair of surrounding double quotes removed. */
function valueAt(text: string, from: number, to: number): string {
  const start = skipSpace(text, from, to);
  const end = skipSpaceBack(text, to, start);
  if (end - start >= 2 && text.charCodeAt(start) === 34 && text.charCodeAt(end - 1) === 34) {
    return text.slice(start + 1, end - 1);
  }
  return text.slice(start, end);
}

function decode(value: string): string {
  if (value.indexOf('%') === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Attributes of a Set-Cookie value. */
export interface CookieAttributes {
  /** Seconds; must be an integer. */
  maxAge?: number | undefined;
  expires?: Date | undefined;
  domain?: string | undefined;
  path?: string | undefined;
  secure?: boolean | undefined;
  httpOnly?: boolean | undefined;
  sameSite?: 'lax' | 'strict' | 'none' | undefined;
  partitioned?: boolean | undefined;
  priority?: 'low' | 'medium' | 'high' | undefined;
}

/**
 * Type-level guard for prefixed names: a `__Host-` cookie must be Secure with Path=/ and no Domain,
 * a `__Secure-` cookie must be Secure. `serializeCookie` also checks at run time.
 */
export type CookieOptionsFor<Name extends string> = Name extends `__Host-${string}`
  ? CookieAttributes & { secure: true; path: '/'; domain?: undefined }
  : Name extends `__Secure-${string}`
    ? CookieAttributes & { secure: true }
    : CookieAttributes;

// RFC 6265 §4.1.1: cookie-name is an RFC 7230 token; cookie-octet excludes CTLs, space, '"', ',', ';', '\'.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const ATTRIBUTE_VALUE = /^[\x20-\x3A\x3C-\x7E]+$/;

/**
 * One Set-Cookie value. Validates name, value and attributes, including the prefix rules, and
 * throws CookieError (code COATCHECK_COOKIE) naming the fix. Applies no encoding: pass safe values.
 */
export function serializeCookie<Name extends string>(
  name: Name,
  value: string,
  attributes: CookieOptionsFor<Name>,
): string {
  // One signature only: a second, looser overload would let `__Host-` names slip past the type check.
  if (!TOKEN.test(name))
    throw new CookieError(`Cookie name ${JSON.stringify(name)} is not an RFC 6265 token.`);
  if (!COOKIE_VALUE.test(value)) {
    throw new CookieError(
      `Cookie value for "${name}" has characters a cookie cannot carry; encode it (e.g. base64url).`,
    );
  }
  checkPrefixes(name, attributes);
  let out = `${name}=${value}`;
  if (attributes.maxAge !== undefined) {
    if (!Number.isInteger(attributes.maxAge)) {
      throw new CookieError(
        `Cookie "${name}": maxAge must be an integer number of seconds, got ${attributes.maxAge}.`,
      );
    }
    out += `; Max-Age=${attributes.maxAge}`;
  }
  if (attributes.domain !== undefined)
    out += `; Domain=${checkedAttribute(name, 'domain', attributes.domain)}`;
  if (attributes.path !== undefined) out += `; Path=${checkedAttribute(name, 'path', attributes.path)}`;
  if (attributes.expires !== undefined) {
    if (Number.isNaN(attributes.expires.getTime()))
      throw new CookieError(`Cookie "${name}": expires is an invalid Date.`);
    out += `; Expires=${attributes.expires.toUTCString()}`;
  }
  if (attributes.httpOnly) out += '; HttpOnly';
  if (attributes.secure) out += '; Secure';
  if (attributes.partitioned) out += '; Partitioned';
  if (attributes.priority !== undefined) out += `; Priority=${capitalize(attributes.priority)}`;
  if (attributes.sameSite !== undefined) out += `; SameSite=${capitalize(attributes.sameSite)}`;
  return out;
}

/**
 * A Set-Cookie value that deletes the cookie: empty value, Max-Age=0 and an Expires in the past,
 * repeating the Domain, Path, Secure, HttpOnly, SameSite and Partitioned of the cookie it deletes,
 * since browsers only delete a cookie whose domain, path and partition match.
 */
export function serializeCookieDeletion<Name extends string>(
  name: Name,
  attributes: CookieOptionsFor<Name>,
): string {
  const deletion: CookieAttributes = {
    maxAge: 0,
    expires: EPOCH,
    domain: attributes.domain,
    path: attributes.path,
    secure: attributes.secure,
    httpOnly: attributes.httpOnly,
    sameSite: attributes.sameSite,
    partitioned: attributes.partitioned,
  };
  return serializeCookie<string>(name, '', deletion);
}

const EPOCH = new Date(0);

function checkPrefixes(name: string, attributes: CookieAttributes): void {
  if (name.startsWith('__Host-')) {
    if (!attributes.secure || attributes.path !== '/' || attributes.domain !== undefined) {
      throw new CookieError(`Cookie "${name}": the __Host- prefix requires Secure, Path=/ and no Domain.`);
    }
  } else if (name.startsWith('__Secure-') && !attributes.secure) {
    throw new CookieError(`Cookie "${name}": the __Secure- prefix requires Secure.`);
  }
  if (attributes.sameSite === 'none' && !attributes.secure) {
    throw new CookieError(`Cookie "${name}": SameSite=None requires Secure; browsers reject it otherwise.`);
  }
  if (attributes.partitioned && !attributes.secure) {
    throw new CookieError(`Cookie "${name}": Partitioned requires Secure.`);
  }
}

function checkedAttribute(name: string, attribute: string, value: string): string {
  if (!ATTRIBUTE_VALUE.test(value)) {
    throw new CookieError(
      `Cookie "${name}": ${attribute} ${JSON.stringify(value)} contains ';', control or non-ASCII characters.`,
    );
  }
  return value;
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
