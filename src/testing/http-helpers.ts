/**
 * Test helpers for application authors: put a session with given data (and user) straight into the
 * store and get the `Cookie` header that presents it, and read back what a response left in the
 * store. Both go through core's own key hashing, codec, encryption and signing, so what they write
 * is exactly what a real request would have written, whichever store and options the app uses.
 */
import { decodeValue, encodeValue } from '../core/codec.ts';
import { absoluteDeadline, slidingExpiry } from '../core/lifetime.ts';
import { META, type SessionData } from '../core/session.ts';
import type { Sessions } from '../core/sessions.ts';
import type { StoreRecord } from '../core/store.ts';
import { decodeTicket, encodeTicket, generateToken, storeKeyFor } from '../core/token.ts';

/** What to put in a test session. */
export interface TestSessionInit<Data extends SessionData> {
  /** The session's data. Default `{}`. */
  readonly data?: Partial<Data>;
  /** The user the session belongs to, as after `session.login(userId)`. Default anonymous. */
  readonly userId?: string;
  /** A remembered session (persistent cookie lifetime). Default `false`. */
  readonly rememberMe?: boolean;
}

/** A session created by {@link createTestSession}. */
export interface TestSession {
  /** The ticket, as the client holds it (signed when `secrets` are configured). */
  readonly ticket: string;
  /** `name=ticket`, for a `Cookie` request header. Undefined when the cookie transport is off. */
  readonly cookie: string | undefined;
  /** The value for the configured ticket header (`Bearer <ticket>` for `authorization`), if any. */
  readonly header: { readonly name: string; readonly value: string } | undefined;
}

/**
 * Stores a live session with `init` and returns how a client presents it.
 *
 * @example
 * ```ts
 * const { cookie } = await createTestSession(sessions, { data: { cart: ['sku-1'] }, userId: 'u1' });
 * const response = await fetch(url, { headers: { cookie: cookie! } });
 * ```
 * @throws StoreUnavailableError when the store fails; CodecError for an unstorable value.
 */
export async function createTestSession<Data extends SessionData>(
  sessions: Sessions<Data>,
  init: TestSessionInit<Data> = {},
): Promise<TestSession> {
  const options = sessions.options;
  const now = options.now();
  const remembered = init.rememberMe === true;
  const values: Record<string, unknown> = { ...init.data };
  if (remembered) values[META.remember] = true;
  if (init.userId !== undefined) values[META.authTime] = now;
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const encoded = encodeValue(value, options.codecLimits);
    data[key] = options.cipher === undefined ? encoded : options.cipher.seal(encoded, key);
  }
  const absoluteExpiresAt = absoluteDeadline(options, now, remembered);
  const token = generateToken();
  const created = await options.store.create(storeKeyFor(token, options.keyPrefix), {
    data,
    userId: init.userId ?? null,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: slidingExpiry(options, now, absoluteExpiresAt, remembered),
    absoluteExpiresAt,
  });
  if (!created) throw new Error('createTestSession: the store refused a fresh key (a broken store?).');
  const ticket = encodeTicket(token, options.secrets);
  const header = options.header;
  return {
    ticket,
    cookie: options.cookie === undefined ? undefined : `${options.cookie.name}=${ticket}`,
    header:
      header === undefined
        ? undefined
        : { name: header.name, value: header.bearer ? `Bearer ${ticket}` : ticket },
  };
}

/** Where to find the session a response left behind. */
export interface ResponseTicket {
  /** The response's Set-Cookie values (e.g. `response.headers.getSetCookie()`). */
  readonly setCookie?: string | readonly string[] | undefined;
  /** The `X-Session-Token` header of a header-transport response. */
  readonly headerTicket?: string | null | undefined;
  /** The ticket the request presented, used when the response issued no new one. */
  readonly ticket?: string | undefined;
}

/** A session as stored, decoded. */
export interface StoredSession<Data extends SessionData> {
  /** The user keys and their values (core's `$` metadata left out). */
  readonly data: Partial<Data>;
  /** The user `login()` bound the session to, or `null`. */
  readonly userId: string | null;
  /** Whether `rememberMe(true)` made it a persistent session. */
  readonly rememberMe: boolean;
  /** The raw record, for assertions on times and revisions. */
  readonly record: StoreRecord;
}

/**
 * Reads the session a response left in the store: the ticket from its Set-Cookie (or ticket
 * header), else `ticket`. Returns `undefined` when the response cleared the cookie, no ticket is
 * known, or the store holds no live record for it. Does not touch or delete anything.
 */
export async function readResponseSession<Data extends SessionData>(
  sessions: Sessions<Data>,
  from: ResponseTicket,
): Promise<StoredSession<Data> | undefined> {
  const options = sessions.options;
  let ticket = from.headerTicket ?? undefined;
  const name = options.cookie?.name;
  const setCookies = from.setCookie === undefined ? [] : [from.setCookie].flat();
  for (const header of setCookies) {
    const eq = header.indexOf('=');
    if (name === undefined || header.slice(0, eq).trim() !== name) continue;
    const end = header.indexOf(';');
    const value = header.slice(eq + 1, end === -1 ? undefined : end).trim();
    if (value === '' || /;\s*max-age=0\s*(;|$)/i.test(header)) return undefined;
    ticket = value;
  }
  ticket ??= from.ticket;
  if (ticket === undefined) return undefined;
  const checked = decodeTicket(ticket, options.secrets);
  if (!checked.ok) return undefined;
  const record = await options.store.get(storeKeyFor(checked.token, options.keyPrefix));
  if (record === undefined || record.expiresAt <= options.now()) return undefined;
  const data: Record<string, unknown> = {};
  let rememberMe = false;
  for (const [key, stored] of Object.entries(record.data)) {
    const text = options.cipher === undefined ? stored : options.cipher.open(stored, key).plaintext;
    const value = decodeValue(text, options.codecLimits);
    if (key === META.remember) rememberMe = value === true;
    else if (key.charCodeAt(0) !== 36 /* $ */) data[key] = value;
  }
  return { data: data as Partial<Data>, userId: record.userId, rememberMe, record };
}
