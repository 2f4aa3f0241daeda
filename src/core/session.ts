/**
 * The per-request session handle. Loading is lazy: no store call happens until the first access,
 * and a request that never touches its session costs nothing. Changes are recorded per key so the
 * commit can send the store a patch instead of the whole record.
 *
 * The handle holds nothing but its state (session-state.ts) in a private field; core reaches that
 * state through {@link sessionState}, which is not exported from any entry point.
 */

import { canWriteBlind } from './blind-write.ts';
import { type Duration, toMilliseconds } from './duration.ts';
import { CodecError, SessionStateError } from './errors.ts';
import { assertRecentAuth } from './recent-auth.ts';
import { fetchInto } from './session-fetch.ts';
import { type SessionRuntime, SessionState } from './session-state.ts';
import type {
  LoginOptions,
  PresentedTicket,
  RequestMeta,
  SessionData,
  SessionInfo,
} from './session-types.ts';
import { META } from './session-types.ts';

export {
  type LoginOptions,
  META,
  type PresentedTicket,
  type RequestMeta,
  type SessionData,
  type SessionInfo,
} from './session-types.ts';

/** Options of {@link Session.set}. */
export interface SetOptions {
  /** Write without reading first (one round trip), when the store can; see {@link Session.set}. */
  readonly blind?: boolean;
}

let stateOf: (session: Session) => SessionState;
let construct: (state: SessionState) => Session;

/** One request's session. Typed by the `Data` given to `createSessions<Data>()`. */
export class Session<Data extends SessionData = SessionData> {
  readonly #state: SessionState;

  static {
    stateOf = (session) => session.#state;
    construct = (state) => new Session(state);
  }

  /** Sessions come from `sessions.load()`. */
  private constructor(state: SessionState) {
    this.#state = state;
  }

  /**
   * The ticket API clients send back (header transport): the current one, or, for a new or rotated
   * session, the one the commit will store. For a session that has none yet, this reserves one,
   * so call it only when you will hand the ticket out.
   */
  issueToken(): string {
    const state = this.#state;
    if (state.newToken !== undefined) return state.newToken;
    // Before the load we cannot know the ticket is dead; call this after the first access.
    if (state.ticket.kind === 'valid' && (state.record !== undefined || state.loading === undefined)) {
      return state.ticket.token!;
    }
    return state.nextToken();
  }

  /**
   * True when the session has no stored record: not loaded yet, or loaded and nothing live was
   * found (a fresh session). Use `info()` for the answer after a load.
   */
  get isNew(): boolean {
    return this.#state.record === undefined;
  }

  /** Whether the store has been read (or there was nothing to read) for this request. */
  get loaded(): boolean {
    return this.#state.loading !== undefined;
  }

  /** The value at `key`, or `undefined`. The first access loads the session (one store round trip). */
  get<K extends keyof Data & string>(key: K): Promise<Data[K] | undefined> {
    return this.#state.track(this.#get(key), 'get', false);
  }

  /** True when `key` holds a value. */
  has<K extends keyof Data & string>(key: K): Promise<boolean> {
    return this.#state.track(this.#has(key), 'has', false);
  }

  /**
   * Sets `key`. Setting a value equal to the current one is not a change. Throws CodecError for unstorable values.
   * With `{ blind: true }` on a session this request has not read, and a store that offers
   * `updateData`, nothing is loaded: the commit writes the value in one round trip, only if the
   * session is still live (else the commit fails with SessionGoneError); see core/blind-write.ts.
   * Otherwise it is an ordinary `set`.
   */
  set<K extends keyof Data & string>(key: K, value: Data[K], options?: SetOptions): Promise<void> {
    return this.#state.track(this.#set(key, value, options), 'set');
  }

  /** Removes `key`. Removing an absent key is not a change. */
  delete<K extends keyof Data & string>(key: K): Promise<void> {
    return this.#state.track(this.#delete(key), 'delete');
  }

  /** Removes every user key (core metadata such as login state stays: use `destroy()` to log out). */
  clear(): Promise<void> {
    return this.#state.track(this.#clear(), 'clear');
  }

  /** All user data as a plain object. */
  entries(): Promise<Partial<Data>> {
    return this.#state.track(this.#entries(), 'entries', false);
  }

  /** Stores a one-time message for the next request that calls `consumeFlash(key)`. */
  flash(key: string, value: unknown): Promise<void> {
    return this.#state.track(this.#flash(key, value), 'flash');
  }

  /** Reads and removes a flash message; `undefined` when there is none. */
  consumeFlash<T = unknown>(key: string): Promise<T | undefined> {
    return this.#state.track(this.#consumeFlash<T>(key), 'consumeFlash');
  }

  /**
   * Makes the cookie persistent (`true`, for the `rememberMe` duration) or a browser-session cookie.
   * Changing it issues a new ticket, since the session's lifetime class changes.
   */
  rememberMe(on: boolean): Promise<void> {
    return this.#state.track(this.#rememberMe(on), 'rememberMe');
  }

  /**
   * Moves the session to a new ticket, keeping its data; the old ticket stops working at commit.
   * A write another request makes through the old ticket meanwhile lands on the new session.
   */
  rotate(): Promise<void> {
    return this.#state.track(this.#rotate(), 'rotate');
  }

  /**
   * Binds the session to `userId` after authentication: new ticket (no fixation, CWE-384), the
   * auth time and request metadata recorded, a fresh absolute deadline, the CSRF secret renewed.
   * @throws SessionLimitError (`COATCHECK_CONFLICT`, 409) with `maxSessionsPerUser` and
   *   `onLimit: 'reject'` when the user is at the limit (checked again, atomically, at commit).
   */
  login(userId: string, options: LoginOptions = {}): Promise<void> {
    return this.#state.track(this.#login(userId, options), 'login');
  }

  /**
   * Step-up check before a sensitive action (ASVS 7.5.1/7.5.3): passes when the session's user
   * authenticated (`login()`) at most `maxAge` ago (ms or `'5m'`); `rotate()` keeps the auth time.
   * @throws ReauthenticationRequiredError (code COATCHECK_SESSION_STATE, status 401) otherwise,
   *   including for an anonymous session; its `authAge` says how old the authentication is.
   */
  requireRecentAuth(maxAge: Duration): Promise<void> {
    return this.#state.track(this.#requireRecentAuth(maxAge), 'requireRecentAuth', false);
  }

  /**
   * Ends the session now (its record, and any rotation of it in flight elsewhere) and clears the
   * cookie at commit. Later reads see an empty, new session.
   */
  destroy(): Promise<void> {
    return this.#state.track(this.#destroy(), 'destroy');
  }

  /**
   * The session's CSRF token, created on first use (which makes the session worth storing).
   * Put it in forms; check it with `verifyCsrf`. Renewed by `login()`.
   */
  csrfToken(): Promise<string> {
    return this.#state.track(this.#csrfToken(), 'csrfToken');
  }

  /** The CSRF token if one was issued, without creating one. */
  existingCsrfToken(): Promise<string | undefined> {
    return this.#state.track(this.#existingCsrfToken(), 'existingCsrfToken', false);
  }

  /** The user the session belongs to, or `null`. */
  userId(): Promise<string | null> {
    return this.#state.track(this.#userId(), 'userId', false);
  }

  /** Metadata: times, owner, auth time, remember-me. */
  info(): Promise<SessionInfo> {
    return this.#state.track(this.#info(), 'info', false);
  }

  /** Loads the session from the store if it has not been loaded (lazy; at most once per request). */
  load(): Promise<void> {
    const state = this.#state;
    if (state.loading === undefined) state.firstUse();
    state.assertOpen();
    // No ticket, nothing to read: a shared settled promise instead of a store call.
    state.loading ??= state.ticket.kind === 'valid' ? fetchInto(state, state.ticket.key!) : NOTHING_TO_LOAD;
    return state.loading;
  }

  async #get<K extends keyof Data & string>(key: K): Promise<Data[K] | undefined> {
    await this.load();
    return this.#state.values.read(key) as Data[K] | undefined;
  }

  async #has(key: string): Promise<boolean> {
    await this.load();
    return this.#state.values.read(key) !== undefined;
  }

  async #set(key: string, value: unknown, options: SetOptions | undefined): Promise<void> {
    assertUserKey(key);
    if (value === undefined) return this.#delete(key);
    if (options?.blind === true && canWriteBlind(this.#state)) {
      this.#state.firstUse();
      return this.#state.write(key, value);
    }
    await this.load();
    this.#state.write(key, value);
  }

  async #delete(key: string): Promise<void> {
    assertUserKey(key);
    await this.load();
    this.#state.remove(key);
  }

  async #clear(): Promise<void> {
    await this.load();
    for (const key of this.#state.values.keys()) if (!key.startsWith('$')) this.#state.remove(key);
  }

  async #entries(): Promise<Partial<Data>> {
    await this.load();
    const values = this.#state.values;
    const result: SessionData = {};
    for (const key of values.keys()) if (!key.startsWith('$')) result[key] = values.read(key);
    return result as Partial<Data>;
  }

  async #flash(key: string, value: unknown): Promise<void> {
    await this.load();
    this.#state.write(META.flashPrefix + key, value);
  }

  async #consumeFlash<T>(key: string): Promise<T | undefined> {
    await this.load();
    const value = this.#state.values.read(META.flashPrefix + key);
    if (value !== undefined) this.#state.remove(META.flashPrefix + key);
    return value as T | undefined;
  }

  async #rememberMe(on: boolean): Promise<void> {
    await this.load();
    const state = this.#state;
    if (on === (state.values.read(META.remember) === true)) return;
    if (on) state.write(META.remember, true);
    else state.remove(META.remember);
    state.rotateToken();
  }

  async #rotate(): Promise<void> {
    await this.load();
    this.#state.rotateToken();
  }

  async #login(userId: string, options: LoginOptions): Promise<void> {
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new SessionStateError('login(userId) needs a non-empty string user id.');
    }
    await this.load();
    const state = this.#state;
    // Before any change: with `onLimit: 'reject'` a refused login leaves the session as it was.
    await state.runtime.checkSessionLimit(state, userId);
    state.rotateToken();
    state.userId = userId;
    state.write(META.authTime, state.runtime.now());
    if (options.amr !== undefined) state.write(META.amr, [...options.amr]);
    else state.remove(META.amr);
    const ip = typeof state.meta.ip === 'function' ? state.meta.ip() : state.meta.ip;
    if (ip !== undefined) state.write(META.ip, ip);
    if (state.meta.userAgent !== undefined) state.write(META.userAgent, state.meta.userAgent);
    state.remove(META.csrf);
    state.absoluteCap = options.absoluteExpiresAt;
  }

  async #requireRecentAuth(maxAge: Duration): Promise<void> {
    const maxAgeMs = toMilliseconds(maxAge, 'maxAge');
    await this.load();
    const state = this.#state;
    const authTime = state.userIdOrNull() === null ? undefined : state.values.read(META.authTime);
    assertRecentAuth(authTime, state.runtime.now(), maxAgeMs);
  }

  async #destroy(): Promise<void> {
    const state = this.#state;
    state.firstUse();
    state.assertOpen();
    const key = state.ticket.key;
    if (key !== undefined && state.ticket.kind === 'valid') await state.runtime.endSession(state, key);
    state.destroyed = true;
    state.record = undefined;
    state.loading = NOTHING_TO_LOAD;
    state.lazyValues?.reset();
    state.userId = undefined;
    state.newToken = undefined;
    state.rotated = false;
  }

  async #csrfToken(): Promise<string> {
    const existing = await this.#existingCsrfToken();
    if (existing !== undefined) return existing;
    const token = this.#state.runtime.generateToken();
    this.#state.write(META.csrf, token);
    return token;
  }

  async #existingCsrfToken(): Promise<string | undefined> {
    await this.load();
    const value = this.#state.values.read(META.csrf);
    return typeof value === 'string' ? value : undefined;
  }

  async #userId(): Promise<string | null> {
    await this.load();
    return this.#state.userIdOrNull();
  }

  async #info(): Promise<SessionInfo> {
    await this.load();
    const state = this.#state;
    const record = state.record;
    const authTime = state.values.read(META.authTime);
    return {
      isNew: record === undefined,
      userId: state.userIdOrNull(),
      createdAt: record?.createdAt,
      lastSeenAt: record?.lastSeenAt,
      expiresAt: record?.expiresAt,
      absoluteExpiresAt: record?.absoluteExpiresAt,
      authTime: typeof authTime === 'number' ? authTime : undefined,
      rememberMe: state.values.read(META.remember) === true,
    };
  }
}

/** @internal The state behind a session handle, for core's commit. Exported from no entry point. */
export function sessionState<Data extends SessionData>(session: Session<Data>): SessionState {
  return stateOf(session as unknown as Session);
}

/** @internal A new session handle over fresh state, for `sessions.load()`. */
export function openSession<Data extends SessionData>(
  runtime: SessionRuntime,
  ticket: PresentedTicket,
  meta: RequestMeta,
): Session<Data> {
  return construct(new SessionState(runtime, ticket, meta, undefined)) as unknown as Session<Data>;
}

const NOTHING_TO_LOAD: Promise<void> = Promise.resolve();

function assertUserKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.charCodeAt(0) === 36 /* $ */) {
    throw new CodecError(
      `Session key ${JSON.stringify(key)} is not allowed: keys must be non-empty and not start with "$" (reserved for coatcheck).`,
    );
  }
}
