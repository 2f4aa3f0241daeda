/**
 * `createSessions`: the session manager an app creates once. Adapters call `load` (no I/O) at the
 * start of a request and `commit` before the response's headers go out; the app uses the Session
 * in between, and the manager for cross-session work (list and revoke a user's sessions).
 */

import { decodeValue } from './codec.ts';
import {
  type CommitResult,
  type CommitStore,
  commitSession,
  commitWithoutStore,
  patchOf,
  unusedSessionAnswers,
} from './commit.ts';
import { StoreUnavailableError, UnsupportedError } from './errors.ts';
import { type SessionEventMap, type SessionEventName, SessionEvents } from './events.ts';
import { expiryReason } from './lifetime.ts';
import { type ResolvedOptions, resolveOptions, type SessionsOptions } from './options.ts';
import { SessionLimitError } from './recent-auth.ts';
import { META, Session, type SessionData } from './session.ts';
import type { SessionRuntime } from './session-runtime.ts';
import { type StoreCapabilities, type StoreRecord, storeCapabilities } from './store.ts';
import { callStore } from './store-call.ts';
import { type LoadInput, readTicket } from './ticket-reader.ts';
import { generateToken } from './token.ts';

/** One of a user's sessions, as `listUser` reports it. Never carries a ticket. */
export interface UserSession {
  /** The session's store key without prefix: pass it to `revokeSession`. */
  readonly sessionId: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
  /** True for the session given as `current`. */
  readonly current: boolean;
}

/** What an adapter may ask `load` to tell it. */
export interface LoadHooks<Data extends SessionData = SessionData> {
  /**
   * Called once, synchronously, when the handler first uses the session (any method that reads,
   * writes, rotates or destroys it), before any store I/O; or at once, inside `load`, when the
   * response must answer the ticket even if the session is never used (a malformed cookie is
   * cleared). The Express adapter starts holding the response here, so a request that never uses
   * its session pays nothing for it.
   */
  readonly onFirstUse?: (session: Session<Data>) => void;
}

/** The session manager. */
export interface Sessions<Data extends SessionData = SessionData> {
  /** Resolved options (cookie name, timeouts), for adapters and diagnostics. */
  readonly options: ResolvedOptions;
  /** What the store can do beyond the required methods. */
  readonly capabilities: StoreCapabilities;
  /**
   * Reads the request's ticket and returns its session. No I/O: the store is read on first access.
   * `hooks.onFirstUse` lets an adapter wait for the handler's first use of the session before it
   * prepares the response, so a request that never uses its session costs nothing.
   */
  load(input: LoadInput, hooks?: LoadHooks<Data>): Session<Data>;
  /** Saves what the request changed and says which headers to send. Call before headers are sent. */
  commit(session: Session<Data>, response: { readonly status: number }): Promise<CommitResult>;
  /**
   * Fast path for adapters: the commit, computed synchronously, when it needs no store write (the
   * session was never used, or was only read and its idle window needs no extending); `undefined`,
   * changing nothing, when it needs the store (then call `commit`). Lets a response go out in the
   * same tick instead of waiting on a promise.
   */
  commitSync(session: Session<Data>, response: { readonly status: number }): CommitResult | undefined;
  /** Live sessions of a user. Throws UnsupportedError when the store keeps no user index. */
  listUser(userId: string, options?: { readonly current?: Session<Data> }): Promise<UserSession[]>;
  /** Deletes every session of a user (except `except`). Returns how many were deleted. */
  revokeUser(userId: string, options?: { readonly except?: Session<Data> }): Promise<number>;
  /** Deletes one session of a user, by the `sessionId` from `listUser`. Returns false if it was not theirs. */
  revokeSession(userId: string, sessionId: string): Promise<boolean>;
  /** Subscribes to an audit event; returns the unsubscribe function. */
  on<E extends SessionEventName>(name: E, listener: (event: SessionEventMap[E]) => void): () => void;
  /** Waits for commits in flight, then closes the store. */
  close(): Promise<void>;
}

/** Creates the session manager. Validates options now; throws ConfigError naming the option and fix. */
export function createSessions<Data extends SessionData = SessionData>(
  options: SessionsOptions,
): Sessions<Data> {
  return new SessionManager<Data>(resolveOptions(options));
}

class SessionManager<Data extends SessionData> implements Sessions<Data>, SessionRuntime {
  readonly options: ResolvedOptions;
  readonly capabilities: StoreCapabilities;
  readonly codecLimits: ResolvedOptions['codecLimits'];
  readonly schema: ResolvedOptions['schema'];
  readonly cipher: ResolvedOptions['cipher'];
  readonly bindUserAgent: boolean;
  readonly #events = new SessionEvents();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #commitStore: CommitStore;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.codecLimits = options.codecLimits;
    this.schema = options.schema;
    this.cipher = options.cipher;
    this.bindUserAgent = options.bindUserAgent;
    this.capabilities = storeCapabilities(options.store);
    const store = options.store;
    this.#commitStore = {
      create: (key, record) => this.#call('create', () => store.create(key, record)),
      update: (key, record, session) =>
        this.#call('update', () => {
          const { set, del } = patchOf(session);
          const userId = session.userChanged ? session.userIdOrNull() : undefined;
          return store.update(key, {
            set,
            del,
            userId,
            lastSeenAt: record.lastSeenAt,
            expiresAt: record.expiresAt,
          });
        }),
      touch: (key, lastSeenAt, expiresAt) =>
        this.#call('touch', () => store.touch(key, { lastSeenAt, expiresAt })),
      delete: (key) => this.#call('delete', () => store.delete(key)),
      onCreated: (session, key, rotatedFrom) => {
        const userId = session.userIdOrNull();
        this.#emit(rotatedFrom === undefined ? 'create' : 'rotate', this.#idOf(key), userId);
      },
    };
  }

  now(): number {
    return this.options.now();
  }

  generateToken(): string {
    return generateToken();
  }

  load(input: LoadInput, hooks?: LoadHooks<Data>): Session<Data> {
    const ticket = readTicket(input, this.options, (reason) => this.#emit(reason, undefined, null));
    const onFirstUse = hooks?.onFirstUse;
    // Some tickets need an answer even if the handler never uses the session (a bad cookie is
    // cleared): then the adapter is told at once.
    const atOnce = onFirstUse !== undefined && unusedSessionAnswers(ticket);
    const later = onFirstUse === undefined || atOnce ? undefined : () => onFirstUse(session);
    const meta = { ip: input.ip, userAgent: input.userAgent };
    const session: Session<Data> = new Session<Data>(this, ticket, meta, later);
    if (atOnce) onFirstUse(session);
    return session;
  }

  commitSync(session: Session<Data>, response: { readonly status: number }): CommitResult | undefined {
    return commitWithoutStore(this.options, session as unknown as Session, response.status);
  }

  commit(session: Session<Data>, response: { readonly status: number }): Promise<CommitResult> {
    const work = commitSession(
      this.options,
      this.#commitStore,
      session as unknown as Session,
      response.status,
    );
    this.#inFlight.add(work);
    const forget = () => this.#inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  async fetchLive(key: string, _session: Session): Promise<StoreRecord | undefined> {
    const record = await this.#call('get', () => this.options.store.get(key));
    if (record === undefined) return undefined;
    const now = this.now();
    const reason = expiryReason(this.options, record, now, this.#remembered(record));
    if (reason === undefined) return record;
    // Dead by our clock even if the store still holds it: never revive it, and clean it up.
    this.#events.emit('expire', {
      type: 'expire',
      sessionId: this.#idOf(key),
      userId: record.userId,
      at: now,
      reason,
    });
    await this.#call('delete', () => this.options.store.delete(key));
    return undefined;
  }

  reportCorrupt(session: Session, record: StoreRecord, error: unknown): void {
    this.#events.emit('corrupt_record', {
      type: 'corrupt_record',
      sessionId: session.ticket.key === undefined ? undefined : this.#idOf(session.ticket.key),
      userId: record.userId,
      at: this.now(),
      error: error instanceof Error ? error : new Error(String(error)),
    });
  }

  reportAnomaly(session: Session, record: StoreRecord, reason: 'user_agent'): void {
    this.#events.emit('anomaly', {
      type: 'anomaly',
      sessionId: session.ticket.key === undefined ? undefined : this.#idOf(session.ticket.key),
      userId: record.userId,
      at: this.now(),
      reason,
    });
  }

  async enforceSessionLimit(session: Session, userId: string): Promise<void> {
    const limit = this.options.sessionLimit;
    if (limit === undefined) return;
    const currentKey = session.ticket.key;
    // The current session is rotated by this login (its old key dies), so it does not count.
    const others = (await this.listUser(userId)).filter(
      (entry) => this.options.keyPrefix + entry.sessionId !== currentKey,
    );
    if (others.length < limit.max) return;
    if (limit.onLimit === 'reject') throw new SessionLimitError(limit.max);
    // Least recently seen first: those are the sessions the user is least likely to miss.
    const victims = others
      .sort((a, b) => a.lastSeenAt - b.lastSeenAt)
      .slice(0, others.length - limit.max + 1);
    for (const victim of victims) await this.deleteKey(this.options.keyPrefix + victim.sessionId);
    this.#events.emit('revoke', {
      type: 'revoke',
      sessionId: undefined,
      userId,
      at: this.now(),
      count: victims.length,
    });
  }

  deleteKey(key: string): Promise<void> {
    return this.#call('delete', () => this.options.store.delete(key));
  }

  emit(type: 'login' | 'destroy', session: Session, userId: string | null): void {
    const key = session.ticket.key;
    this.#emit(type, key === undefined ? undefined : this.#idOf(key), userId);
  }

  async listUser(userId: string, options: { readonly current?: Session<Data> } = {}): Promise<UserSession[]> {
    const store = this.#userIndex('listUser');
    const entries = await this.#call('listByUser', () => store.listByUser!(userId));
    const now = this.now();
    const currentKey = options.current?.ticket.key;
    const result: UserSession[] = [];
    for (const { key, record } of entries) {
      if (
        record.userId !== userId ||
        expiryReason(this.options, record, now, this.#remembered(record)) !== undefined
      )
        continue;
      result.push({
        sessionId: this.#idOf(key),
        createdAt: record.createdAt,
        lastSeenAt: record.lastSeenAt,
        expiresAt: record.expiresAt,
        ip: this.#readString(record.data[META.ip], META.ip),
        userAgent: this.#readString(record.data[META.userAgent], META.userAgent),
        current: key === currentKey,
      });
    }
    return result.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  async revokeUser(userId: string, options: { readonly except?: Session<Data> } = {}): Promise<number> {
    const store = this.#userIndex('revokeUser');
    const except = options.except?.ticket.key;
    const count = await this.#call('deleteByUser', () => store.deleteByUser!(userId, except));
    this.#events.emit('revoke', { type: 'revoke', sessionId: undefined, userId, at: this.now(), count });
    return count;
  }

  async revokeSession(userId: string, sessionId: string): Promise<boolean> {
    const mine = await this.listUser(userId);
    if (!mine.some((entry) => entry.sessionId === sessionId)) return false;
    const key = this.options.keyPrefix + sessionId;
    await this.deleteKey(key);
    this.#events.emit('revoke', { type: 'revoke', sessionId, userId, at: this.now(), count: 1 });
    return true;
  }

  on<E extends SessionEventName>(name: E, listener: (event: SessionEventMap[E]) => void): () => void {
    return this.#events.on(name, listener);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
    await this.options.store.close();
  }

  #userIndex(operation: string) {
    if (!this.capabilities.userIndex) {
      throw new UnsupportedError(
        `\`${operation}\` needs a store with a user index; the "${this.options.store.name}" store cannot list or revoke a user's sessions. Use Redis, PostgreSQL, MySQL, SQLite, the filesystem or memory store.`,
      );
    }
    return this.options.store;
  }

  /** Whether a stored record is a remembered session (its idle window is the remember-me duration). */
  #remembered(record: StoreRecord): boolean {
    const stored = record.data[META.remember];
    if (stored === undefined) return false;
    if (this.cipher === undefined) return stored === 'true';
    try {
      return this.cipher.open(stored, META.remember).plaintext === 'true';
    } catch {
      return false;
    }
  }

  /** A string stored by core (IP, user agent), opened and decoded; undefined when unreadable. */
  #readString(encoded: string | undefined, field: string): string | undefined {
    if (encoded === undefined) return undefined;
    try {
      const text = this.cipher === undefined ? encoded : this.cipher.open(encoded, field).plaintext;
      const value = decodeValue(text, this.codecLimits);
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  #idOf(key: string): string {
    return key.slice(this.options.keyPrefix.length);
  }

  #emit(
    type: Exclude<SessionEventName, 'revoke' | 'expire' | 'corrupt_record' | 'store_unavailable' | 'anomaly'>,
    sessionId: string | undefined,
    userId: string | null,
  ): void {
    if (this.#events.has(type)) this.#events.emit(type, { type, sessionId, userId, at: this.now() });
  }

  #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const call = callStore(this.options.store.name, operation, this.options.storeTimeoutMs, run);
    // Hot path: no extra promise per store call unless someone listens for outages.
    if (!this.#events.has('store_unavailable')) return call;
    return call.catch((error: unknown) => {
      if (error instanceof StoreUnavailableError) {
        this.#events.emit('store_unavailable', {
          type: 'store_unavailable',
          sessionId: undefined,
          userId: null,
          at: this.now(),
          operation,
          error,
        });
      }
      throw error;
    });
  }
}
