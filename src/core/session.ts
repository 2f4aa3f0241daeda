/**
 * The per-request session handle. Loading is lazy: no store call happens until the first access,
 * and a request that never touches its session costs nothing. Changes are recorded per key so the
 * commit can send the store a patch instead of the whole record.
 */
import { type Duration, toMilliseconds } from './duration.ts';
import { CodecError, SessionStateError } from './errors.ts';
import { type OpenedRecord, openRecord } from './open-record.ts';
import { assertRecentAuth } from './recent-auth.ts';
import type { SessionRuntime } from './session-runtime.ts';
import type {
  LoginOptions,
  PresentedTicket,
  RequestMeta,
  SessionData,
  SessionInfo,
} from './session-types.ts';
import { META } from './session-types.ts';
import { type Pending, SessionValues } from './session-values.ts';
import type { StoreRecord } from './store.ts';

export {
  type LoginOptions,
  META,
  type PresentedTicket,
  type RequestMeta,
  type SessionData,
  type SessionInfo,
} from './session-types.ts';

/** One request's session. Typed by the `Data` given to `createSessions<Data>()`. */
export class Session<Data extends SessionData = SessionData> {
  readonly #runtime: SessionRuntime;
  /** Created at the first read or write: an unused session allocates none of it (hot path). */
  #lazyValues: SessionValues | undefined;
  readonly #ticket: PresentedTicket;
  readonly #meta: RequestMeta;
  #loading: Promise<void> | undefined;
  #record: StoreRecord | undefined;
  #userId: string | null | undefined;
  #newToken: string | undefined;
  #rotated = false;
  #destroyed = false;
  #committed = false;
  #absoluteCap: number | undefined;
  /** The load failed (store unavailable): the commit must not mistake it for "no session". */
  #loadFailed = false;
  /** Told once, at the first use; cleared when called (see `LoadHooks.onFirstUse`). */
  #onFirstUse: (() => void) | undefined;

  /**
   * @internal A slot for the adapter carrying this session; core never reads it. The Express
   * adapter keeps its response hold here: a field of an object that exists anyway costs nothing
   * per request, where a WeakMap keyed by the response costs the garbage collector (measured).
   */
  adapterSlot: unknown = undefined;

  /** @internal Created by `sessions.load()`. */
  constructor(
    runtime: SessionRuntime,
    ticket: PresentedTicket,
    meta: RequestMeta,
    onFirstUse: (() => void) | undefined,
  ) {
    this.#runtime = runtime;
    this.#ticket = ticket;
    this.#meta = meta;
    this.#onFirstUse = onFirstUse;
  }

  /**
   * The ticket for API clients (header transport): the current one, or, for a new or rotated
   * session, the one the commit will store. Reading it on a new session reserves a token.
   */
  get token(): string {
    if (this.#newToken !== undefined) return this.#newToken;
    // Before the load we cannot know the ticket is dead; read `token` after the first access.
    if (this.#ticket.kind === 'valid' && (this.#record !== undefined || this.#loading === undefined)) {
      return this.#ticket.token!;
    }
    return this.nextToken();
  }

  /** True once loaded and no live record was found (a fresh session). */
  get isNew(): boolean {
    return this.#record === undefined;
  }

  /** Whether the store has been read for this request. */
  get loaded(): boolean {
    return this.#loading !== undefined;
  }

  /** The value at `key`, or `undefined`. The first access loads the session (one store round trip). */
  async get<K extends keyof Data & string>(key: K): Promise<Data[K] | undefined> {
    await this.load();
    return this.#read(key) as Data[K] | undefined;
  }

  /** True when `key` holds a value. */
  async has<K extends keyof Data & string>(key: K): Promise<boolean> {
    await this.load();
    return this.#read(key) !== undefined;
  }

  /** Sets `key`. Setting a value equal to the current one is not a change. Throws CodecError for unstorable values. */
  async set<K extends keyof Data & string>(key: K, value: Data[K]): Promise<void> {
    assertUserKey(key);
    if (value === undefined) return this.delete(key);
    await this.load();
    this.#write(key, value);
  }

  /** Removes `key`. Removing an absent key is not a change. */
  async delete<K extends keyof Data & string>(key: K): Promise<void> {
    assertUserKey(key);
    await this.load();
    this.#remove(key);
  }

  /** Removes every user key (core metadata such as login state stays: use `destroy()` to log out). */
  async clear(): Promise<void> {
    await this.load();
    for (const key of this.#keys()) if (!key.startsWith('$')) this.#remove(key);
  }

  /** All user data as a plain object. */
  async entries(): Promise<Partial<Data>> {
    await this.load();
    const result: SessionData = {};
    for (const key of this.#keys()) {
      if (!key.startsWith('$')) result[key] = this.#read(key);
    }
    return result as Partial<Data>;
  }

  /** Stores a one-time message for the next request that calls `consumeFlash(key)`. */
  async flash(key: string, value: unknown): Promise<void> {
    await this.load();
    this.#write(META.flashPrefix + key, value);
  }

  /** Reads and removes a flash message; `undefined` when there is none. */
  async consumeFlash<T = unknown>(key: string): Promise<T | undefined> {
    await this.load();
    const value = this.#read(META.flashPrefix + key);
    if (value !== undefined) this.#remove(META.flashPrefix + key);
    return value as T | undefined;
  }

  /**
   * Makes the cookie persistent (`true`, for the `rememberMe` duration) or a browser-session cookie.
   * Changing it issues a new ticket, since the session's lifetime class changes.
   */
  async rememberMe(on: boolean): Promise<void> {
    await this.load();
    if (on === (this.#read(META.remember) === true)) return;
    if (on) this.#write(META.remember, true);
    else this.#remove(META.remember);
    this.#rotateToken();
  }

  /** Moves the session to a new ticket, keeping its data; the old ticket stops working at commit. */
  async rotate(): Promise<void> {
    await this.load();
    this.#rotateToken();
  }

  /**
   * Binds the session to `userId` after authentication: new ticket (no fixation, CWE-384), the
   * auth time and request metadata recorded, a fresh absolute deadline, the CSRF secret renewed.
   */
  async login(userId: string, options: LoginOptions = {}): Promise<void> {
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new SessionStateError('login(userId) needs a non-empty string user id.');
    }
    await this.load();
    // Before any change: with `onLimit: 'reject'` a refused login leaves the session as it was.
    await this.#runtime.enforceSessionLimit(this, userId);
    this.#rotateToken();
    this.#userId = userId;
    this.#write(META.authTime, this.#runtime.now());
    if (options.amr !== undefined) this.#write(META.amr, [...options.amr]);
    else this.#remove(META.amr);
    const ip = typeof this.#meta.ip === 'function' ? this.#meta.ip() : this.#meta.ip;
    if (ip !== undefined) this.#write(META.ip, ip);
    if (this.#meta.userAgent !== undefined) this.#write(META.userAgent, this.#meta.userAgent);
    this.#remove(META.csrf);
    this.#absoluteCap = options.absoluteExpiresAt;
    this.#runtime.emit('login', this, userId);
  }

  /**
   * Step-up check before a sensitive action (ASVS 7.5.1/7.5.3): passes when the session's user
   * authenticated (`login()`) at most `maxAge` ago (ms or `'5m'`); `rotate()` keeps the auth time.
   * @throws ReauthenticationRequiredError (code COATCHECK_SESSION_STATE, status 401) otherwise,
   *   including for an anonymous session; its `authAge` says how old the authentication is.
   */
  async requireRecentAuth(maxAge: Duration): Promise<void> {
    const maxAgeMs = toMilliseconds(maxAge, 'maxAge');
    await this.load();
    assertRecentAuth(
      this.userIdOrNull() === null ? undefined : this.#read(META.authTime),
      this.#runtime.now(),
      maxAgeMs,
    );
  }

  /** Deletes the session now and clears the cookie at commit. Later reads see an empty, new session. */
  async destroy(): Promise<void> {
    this.#firstUse();
    this.#assertOpen();
    const key = this.#ticket.key;
    if (key !== undefined && this.#ticket.kind === 'valid') {
      await this.#runtime.deleteKey(key);
      this.#runtime.emit('destroy', this, this.userIdOrNull());
    }
    this.#destroyed = true;
    this.#record = undefined;
    this.#loading = NOTHING_TO_LOAD;
    this.#lazyValues?.reset();
    this.#userId = undefined;
    this.#newToken = undefined;
    this.#rotated = false;
  }

  /**
   * The session's CSRF token, created on first use (which makes the session worth storing).
   * Put it in forms; check it with `verifyCsrf`. Renewed by `login()`.
   */
  async csrfToken(): Promise<string> {
    const existing = await this.existingCsrfToken();
    if (existing !== undefined) return existing;
    const token = this.#runtime.generateToken();
    this.#write(META.csrf, token);
    return token;
  }

  /** The CSRF token if one was issued, without creating one. */
  async existingCsrfToken(): Promise<string | undefined> {
    await this.load();
    const value = this.#read(META.csrf);
    return typeof value === 'string' ? value : undefined;
  }

  /** The user the session belongs to, or `null`. */
  async userId(): Promise<string | null> {
    await this.load();
    return this.userIdOrNull();
  }

  /** Metadata: times, owner, auth time, remember-me. */
  async info(): Promise<SessionInfo> {
    await this.load();
    const record = this.#record;
    const authTime = this.#read(META.authTime);
    return {
      isNew: record === undefined,
      userId: this.userIdOrNull(),
      createdAt: record?.createdAt,
      lastSeenAt: record?.lastSeenAt,
      expiresAt: record?.expiresAt,
      absoluteExpiresAt: record?.absoluteExpiresAt,
      authTime: typeof authTime === 'number' ? authTime : undefined,
      rememberMe: this.#read(META.remember) === true,
    };
  }

  /** Loads the session from the store if it has not been loaded (lazy; at most once per request). */
  load(): Promise<void> {
    if (this.#loading === undefined) this.#firstUse();
    this.#assertOpen();
    // No ticket, nothing to read: a shared settled promise instead of a call to #fetch.
    this.#loading ??= this.#ticket.kind === 'valid' ? this.#fetch(this.#ticket.key!) : NOTHING_TO_LOAD;
    return this.#loading;
  }

  async #fetch(key: string): Promise<void> {
    let record: StoreRecord | undefined;
    let opened: OpenedRecord | undefined;
    try {
      record = await this.#runtime.fetchLive(key, this);
      if (record === undefined) return;
      const opening = openRecord(this.#runtime, this, record, this.#meta.userAgent);
      // Await only a schema's validation: awaiting a plain value would still cost a microtask.
      opened = opening instanceof Promise ? await opening : opening;
    } catch (error) {
      // The commit must not mistake a failed load (store down) for "no session".
      this.#loadFailed = true;
      throw error;
    }
    if (opened === undefined) return;
    this.#values().adopt(record.data, opened);
    this.#record = record;
  }

  // ---- internal surface for the commit (package-private by convention) ----

  /** @internal */ get ticket(): PresentedTicket {
    return this.#ticket;
  }
  /** @internal */ get record(): StoreRecord | undefined {
    return this.#record;
  }
  /** @internal */ get pending(): ReadonlyMap<string, Pending> {
    return this.#lazyValues === undefined ? NO_PENDING : this.#lazyValues.pending;
  }
  /** @internal */ get requestMeta(): RequestMeta {
    return this.#meta;
  }
  /** @internal */ get loadFailed(): boolean {
    return this.#loadFailed;
  }
  /** @internal */ get rotated(): boolean {
    return this.#rotated;
  }
  /** @internal */ get destroyed(): boolean {
    return this.#destroyed;
  }
  /** @internal */ get absoluteCap(): number | undefined {
    return this.#absoluteCap;
  }
  /** @internal */ get userChanged(): boolean {
    return this.#userId !== undefined && this.#userId !== (this.#record?.userId ?? null);
  }
  /** @internal */ userIdOrNull(): string | null {
    return this.#userId !== undefined ? this.#userId : (this.#record?.userId ?? null);
  }
  /** @internal The token the commit stores under, minting one for new sessions. */
  nextToken(): string {
    if (this.#newToken === undefined) this.#newToken = this.#runtime.generateToken();
    return this.#newToken;
  }
  /** @internal */ isRemembered(): boolean {
    return this.#loading !== undefined && this.#read(META.remember) === true;
  }
  /** @internal The full encoded data after this request's changes. */
  mergedData(): Record<string, string> {
    return this.#values().merged();
  }
  /** @internal Forbids further use: the response is on its way. */
  markCommitted(): void {
    this.#committed = true;
  }

  /** Every public use goes through load() or destroy(), so this sees the first one. */
  #firstUse(): void {
    const hook = this.#onFirstUse;
    if (hook === undefined) return;
    this.#onFirstUse = undefined;
    hook();
  }

  #assertOpen(): void {
    if (this.#committed)
      throw new SessionStateError('This session was already committed; use it before the response is sent.');
  }

  #values(): SessionValues {
    this.#lazyValues ??= new SessionValues(this.#runtime.cipher, this.#runtime.codecLimits);
    return this.#lazyValues;
  }

  #keys(): Set<string> {
    return this.#values().keys();
  }

  #read(key: string): unknown {
    return this.#values().read(key);
  }

  #write(key: string, value: unknown): void {
    this.#assertOpen();
    this.#values().write(key, value);
  }

  #remove(key: string): void {
    this.#assertOpen();
    this.#values().remove(key);
  }

  #rotateToken(): void {
    this.#assertOpen();
    this.#rotated = true;
    this.#newToken = this.#runtime.generateToken();
    this.#values().resealStale();
  }
}

const NO_PENDING: ReadonlyMap<string, Pending> = new Map();
const NOTHING_TO_LOAD: Promise<void> = Promise.resolve();

function assertUserKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.charCodeAt(0) === 36 /* $ */) {
    throw new CodecError(
      `Session key ${JSON.stringify(key)} is not allowed: keys must be non-empty and not start with "$" (reserved for coatcheck).`,
    );
  }
}
