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
  scanPairs(header, (keyStart, keyEnd, from, to) => {
    if (keyEnd - keyStart !== name.length || !header.startsWith(name, keyStart)) return;
    const found = valueAt(header, from, to);
    count++;
    if (value === undefined) value = found;
    else if (found !== value) conflicting = true;
  });
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
  scanPairs(header, (keyStart, keyEnd, from, to) => {
    const key = header.slice(keyStart, keyEnd);
    if (key.length > 0 && result[key] === undefined) result[key] = decode(valueAt(header, from, to));
  });
  return result;
}

/**
 * The one scanner of the `Cookie` grammar (RFC 6265 §5.2): calls `visit` with the trimmed name's
 * bounds and the raw value's bounds of each `name=value` pair, in order; pairs without `=` are skipped.
 */
function scanPairs(
  header: string,
  visit: (keyStart: number, keyEnd: number, valueFrom: number, valueTo: number) => void,
): void {
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
    visit(keyStart, skipSpaceBack(header, eq, keyStart), eq + 1, end);
    index = end + 1;
  }
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
// RFC 6265 §4.1.2.3 / RFC 1034 §3.5: labels of letters, digits and hyphens joined by single dots
// (one leading dot is allowed and ignored by browsers); at most 253 characters.
const DOMAIN =
  /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// RFC 6265 §4.1.2.4 allows any CHAR but CTLs and ';'; we accept only what a URL path may hold
// unencoded (RFC 3986 pchar and '/'), so no quote, angle bracket or space reaches the header.
const PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,=:@/%]*$/;
const SAME_SITE = new Set(['lax', 'strict', 'none']);

/** Why `name` cannot be a cookie name, or undefined when it can. */
export function cookieNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    return `${JSON.stringify(name)} is not an RFC 6265 token (letters, digits and !#$%&'*+-.^_\`|~ only)`;
  }
  return undefined;
}

/** Why `domain` cannot be a Domain attribute, or undefined when it can. */
export function cookieDomainProblem(domain: unknown): string | undefined {
  if (typeof domain !== 'string' || domain.length > 253 || !DOMAIN.test(domain)) {
    return `${JSON.stringify(domain)} is not a valid cookie domain (a host name such as example.com: letters, digits, hyphens and single dots)`;
  }
  return undefined;
}

/** Why `path` cannot be a Path attribute, or undefined when it can. */
export function cookiePathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || !PATH.test(path)) {
    return `${JSON.stringify(path)} is not a valid cookie path (it starts with '/' and holds only URL path characters; percent-encode anything else)`;
  }
  return undefined;
}

/** Why `sameSite` cannot be a SameSite value, or undefined when it can. */
export function cookieSameSiteProblem(sameSite: unknown): string | undefined {
  if (typeof sameSite !== 'string' || !SAME_SITE.has(sameSite)) {
    return `${JSON.stringify(sameSite)} is not a SameSite value; use 'lax', 'strict' or 'none'`;
  }
  return undefined;
}

/** A browser rule a cookie's name and attributes can break (see {@link cookieRuleBroken}). */
export type CookieRule = 'hostPrefix' | 'securePrefix' | 'sameSiteNone' | 'partitioned';

/** What each {@link CookieRule} requires, as `serializeCookie` reports it. */
const RULE_TEXT: Record<CookieRule, string> = {
  hostPrefix: 'the __Host- prefix requires Secure, Path=/ and no Domain',
  securePrefix: 'the __Secure- prefix requires Secure',
  sameSiteNone: 'SameSite=None requires Secure; browsers reject it otherwise',
  partitioned: 'Partitioned requires Secure',
};

/**
 * The rule browsers would refuse `name` with these attributes for (the `__Host-` and `__Secure-`
 * prefixes of RFC 6265bis §4.1.3; SameSite=None and Partitioned without Secure), or undefined.
 */
export function cookieRuleBroken(name: string, attributes: CookieAttributes): CookieRule | undefined {
  if (name.startsWith('__Host-')) {
    if (!attributes.secure || attributes.path !== '/' || attributes.domain !== undefined) return 'hostPrefix';
  } else if (name.startsWith('__Secure-') && !attributes.secure) return 'securePrefix';
  if (attributes.sameSite === 'none' && !attributes.secure) return 'sameSiteNone';
  if (attributes.partitioned && !attributes.secure) return 'partitioned';
  return undefined;
}

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
  const nameProblem = cookieNameProblem(name);
  if (nameProblem !== undefined) throw new CookieError(`Cookie name ${nameProblem}.`);
  if (!COOKIE_VALUE.test(value)) {
    throw new CookieError(
      `Cookie value for "${name}" has characters a cookie cannot carry; encode it (e.g. base64url).`,
    );
  }
  const broken = cookieRuleBroken(name, attributes);
  if (broken !== undefined) throw new CookieError(`Cookie "${name}": ${RULE_TEXT[broken]}.`);
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
    out += `; Domain=${checked(name, cookieDomainProblem, attributes.domain)}`;
  if (attributes.path !== undefined) out += `; Path=${checked(name, cookiePathProblem, attributes.path)}`;
  if (attributes.expires !== undefined) {
    if (Number.isNaN(attributes.expires.getTime()))
      throw new CookieError(`Cookie "${name}": expires is an invalid Date.`);
    out += `; Expires=${attributes.expires.toUTCString()}`;
  }
  if (attributes.httpOnly) out += '; HttpOnly';
  if (attributes.secure) out += '; Secure';
  if (attributes.partitioned) out += '; Partitioned';
  if (attributes.priority !== undefined) out += `; Priority=${capitalize(attributes.priority)}`;
  if (attributes.sameSite !== undefined)
    out += `; SameSite=${capitalize(checked(name, cookieSameSiteProblem, attributes.sameSite))}`;
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

function checked<T>(name: string, problem: (value: unknown) => string | undefined, value: T): T {
  const found = problem(value);
  if (found !== undefined) throw new CookieError(`Cookie "${name}": ${found}.`);
  return value;
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
