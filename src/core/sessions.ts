/**
 * `createSessions`: the session manager an app creates once. Adapters call `load` (no I/O) at the
 * start of a request and `commit` before the response's headers go out; the app uses the Session
 * in between, and the manager for cross-session work (list and revoke a user's sessions).
 */

import { type CommitResult, type CommitRuntime, commitSession, commitWithoutStore } from './commit.ts';
import { decideCommit } from './commit-decision.ts';
import { commitState } from './commit-plan.ts';
import { SessionLimitError, StoreUnavailableError, UnsupportedError } from './errors.ts';
import { type CsrfRefusal, type SessionEventMap, type SessionEventName, SessionEvents } from './events.ts';
import { checkHealth, type HealthOptions, type HealthReport } from './health.ts';
import { expiryReason } from './lifetime.ts';
import { type ResolvedOptions, resolveOptions, type SessionsOptions } from './options.ts';
import { openSession, type Session, sessionState } from './session.ts';
import type { SessionRuntime, SessionState } from './session-state.ts';
import type { SessionData } from './session-types.ts';
import type { LoadHooks, Sessions } from './sessions-api.ts';
import { type Store, type StoreCapabilities, type StoreRecord, storeCapabilities } from './store.ts';
import { callStoreWith } from './store-call.ts';
import { commitLabel, type Telemetry } from './telemetry.ts';
import { type LoadInput, type Rejection, readTicket } from './ticket-reader.ts';
import { generateToken } from './token.ts';
import { isRemembered, type UserSession, userSessions } from './user-sessions.ts';
import { warn } from './warn.ts';

export type { LoadHooks, Sessions } from './sessions-api.ts';

/** Creates the session manager. Validates options now; throws ConfigError naming the option and fix. */
export function createSessions<
  Data extends SessionData = SessionData,
  const CookieName extends string = string,
>(options: SessionsOptions<CookieName>): Sessions<Data> {
  return new SessionManager<Data>(resolveOptions(options));
}

let setTelemetry: (manager: SessionManager<SessionData>, telemetry: Telemetry | undefined) => void;

/**
 * @internal Attaches (or, with `undefined`, detaches) an instrumentation; for `coatcheck/otel`.
 * Exported from no entry point.
 * @throws TypeError when `sessions` did not come from `createSessions`.
 */
export function attachTelemetry(sessions: Sessions<never>, telemetry: Telemetry | undefined): void {
  if (!(sessions instanceof SessionManager)) {
    throw new TypeError('Expected the session manager returned by createSessions().');
  }
  setTelemetry(sessions, telemetry);
}

class SessionManager<Data extends SessionData> implements Sessions<Data>, SessionRuntime, CommitRuntime {
  readonly options: ResolvedOptions;
  readonly capabilities: StoreCapabilities;
  readonly codecLimits: ResolvedOptions['codecLimits'];
  readonly schema: ResolvedOptions['schema'];
  readonly cipher: ResolvedOptions['cipher'];
  readonly bindUserAgent: boolean;
  readonly blindWrites: boolean;
  readonly #events = new SessionEvents();
  readonly #inFlight = new Set<Promise<unknown>>();
  /** The attached instrumentation; undefined (the hot path: one check per call) when none is. */
  #telemetry: Telemetry | undefined = undefined;

  static {
    setTelemetry = (manager, telemetry) => {
      manager.#telemetry = telemetry;
    };
  }

  /** Told by readTicket why a presented ticket was refused; made once, not per request. */
  readonly #onRejectedTicket = (reason: Rejection): void => this.#emit(reason, undefined, null);

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.codecLimits = options.codecLimits;
    this.schema = options.schema;
    this.cipher = options.cipher;
    this.bindUserAgent = options.bindUserAgent;
    this.blindWrites = storeCapabilities(options.store).dataUpdate;
    this.capabilities = storeCapabilities(options.store);
  }

  now(): number {
    return this.options.now();
  }

  generateToken(): string {
    return generateToken();
  }

  load(input: LoadInput, hooks?: LoadHooks<Data>): Session<Data> {
    const ticket = readTicket(input, this.options, this.#onRejectedTicket);
    const session = openSession<Data>(this, ticket, input);
    const onFirstUse = hooks?.onFirstUse;
    if (onFirstUse === undefined) return session;
    const state = sessionState(session);
    // Some tickets need an answer even if the handler never uses the session (a bad cookie is
    // cleared), judged by the commit's own decision table: then the adapter is told at once.
    const unused = decideCommit(commitState(this.options, state, 200, 0));
    if (unused.store !== 'none' || unused.cookie !== 'none') onFirstUse(session);
    else state.onFirstUse = () => onFirstUse(session);
    return session;
  }

  commitSync(session: Session<Data>, response: { readonly status: number }): CommitResult | undefined {
    const state = sessionState(session);
    const result = commitWithoutStore(this.options, state, response.status);
    if (result !== undefined && this.#telemetry !== undefined) {
      this.#telemetry.committed(commitLabel(result.decision, state.destroyed), undefined);
    }
    return result;
  }

  commit(session: Session<Data>, response: { readonly status: number }): Promise<CommitResult> {
    const state = sessionState(session);
    const work = commitSession(this, state, response.status);
    this.#inFlight.add(work);
    const telemetry = this.#telemetry;
    if (telemetry === undefined) {
      const forget = () => this.#inFlight.delete(work);
      work.then(forget, forget);
    } else {
      work.then(
        (result) => {
          this.#inFlight.delete(work);
          telemetry.committed(commitLabel(result.decision, state.destroyed), undefined);
        },
        (error: unknown) => {
          this.#inFlight.delete(work);
          telemetry.committed(undefined, error);
        },
      );
    }
    return work;
  }

  health(options?: HealthOptions): Promise<HealthReport> {
    return checkHealth(this.options, this.capabilities, options);
  }

  call<T>(operation: string, run: (store: Store) => Promise<T>): Promise<T> {
    const store = this.options.store;
    const timeoutMs = this.options.storeTimeoutMs;
    const telemetry = this.#telemetry;
    const call =
      telemetry === undefined
        ? callStoreWith(store.name, operation, timeoutMs, run, store)
        : telemetry.storeCall(store.name, operation, () =>
            callStoreWith(store.name, operation, timeoutMs, run, store),
          );
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

  stored(state: SessionState, key: string, rotated: boolean): void {
    const sessionId = this.#idOf(key);
    const userId = state.userIdOrNull();
    this.#emit(rotated ? 'rotate' : 'create', sessionId, userId);
    // login() was called: the session is now the user's, under this new id.
    if (state.userId === undefined || userId === null) return;
    this.#emit('login', sessionId, userId);
    const evicted = state.expectedEvictions;
    if (evicted !== undefined) {
      this.#events.emit('revoke', {
        type: 'revoke',
        sessionId: undefined,
        userId,
        at: this.now(),
        count: evicted,
      });
    }
  }

  async fetchLive(key: string): Promise<StoreRecord | undefined> {
    const record = await this.call('get', (store) => store.get(key));
    if (record === undefined) return undefined;
    const now = this.now();
    const reason = expiryReason(this.options, record, now, isRemembered(this.options, record));
    if (reason === undefined) return record;
    // Dead by our clock even if the store still holds it: never revive it, and clean it up. Of
    // parallel requests presenting the ticket, the one whose delete removed it reports the expiry.
    if (await this.call('delete', (store) => store.delete(key))) {
      this.#events.emit('expire', {
        type: 'expire',
        sessionId: this.#idOf(key),
        userId: record.userId,
        at: now,
        reason,
      });
    }
    return undefined;
  }

  reportCorrupt(session: SessionState, record: StoreRecord, error: unknown): void {
    this.#events.emit('corrupt_record', {
      type: 'corrupt_record',
      sessionId: this.#sessionIdOf(session),
      userId: record.userId,
      at: this.now(),
      error: error instanceof Error ? error : new Error(String(error)),
    });
  }

  reportAnomaly(session: SessionState, record: StoreRecord, reason: 'user_agent'): void {
    this.#events.emit('anomaly', {
      type: 'anomaly',
      sessionId: this.#sessionIdOf(session),
      userId: record.userId,
      at: this.now(),
      reason,
    });
  }

  reportCsrfRefusal(session: SessionState, reason: CsrfRefusal): void {
    if (!this.#events.has('csrf_refused')) return;
    this.#events.emit('csrf_refused', {
      type: 'csrf_refused',
      sessionId: this.#sessionIdOf(session),
      userId: session.userIdOrNull(),
      at: this.now(),
      reason,
    });
  }

  reportLateUse(session: SessionState, operation: string, error: Error): void {
    if (session.lateUseReported) return;
    session.lateUseReported = true;
    const described = session.meta.context;
    const context = typeof described === 'function' ? described() : described;
    if (this.#events.has('late_use')) {
      this.#events.emit('late_use', {
        type: 'late_use',
        sessionId: this.#sessionIdOf(session),
        userId: session.userIdOrNull(),
        at: this.now(),
        operation,
        context,
        error,
      });
      return;
    }
    warn(
      `coatcheck: session.${operation}() ran after the response${context === undefined ? '' : ` to ${context}`} was sent and changed nothing (${error.message}). Await session calls before sending the response.`,
      'COATCHECK_LATE_USE',
    );
  }

  async checkSessionLimit(session: SessionState, userId: string): Promise<void> {
    const limit = this.options.sessionLimit;
    if (limit === undefined) return;
    const currentKey = session.ticket.key;
    // The current session is rotated by this login (its old key dies), so it does not count.
    const others = (await this.listUser(userId)).filter(
      (entry) => this.options.keyPrefix + entry.sessionId !== currentKey,
    );
    if (others.length < limit.max) return;
    if (limit.onLimit === 'reject') throw new SessionLimitError(limit.max);
    // The store evicts at commit, atomically with the insert; this count is what it should find.
    session.expectedEvictions = others.length - limit.max + 1;
  }

  async endSession(session: SessionState, key: string): Promise<void> {
    await this.call('delete', (store) => store.delete(key));
    this.#emit('destroy', this.#idOf(key), session.userIdOrNull());
  }

  async listUser(userId: string, options: { readonly current?: Session<Data> } = {}): Promise<UserSession[]> {
    this.#userIndex('listUser');
    const entries = await this.call('listByUser', (store) => store.listByUser!(userId));
    const currentKey = options.current === undefined ? undefined : sessionState(options.current).ticket.key;
    return userSessions(this.options, userId, entries, this.now(), currentKey);
  }

  async revokeUser(userId: string, options: { readonly except?: Session<Data> } = {}): Promise<number> {
    this.#userIndex('revokeUser');
    const except = options.except === undefined ? undefined : sessionState(options.except).ticket.key;
    const count = await this.call('deleteByUser', (store) => store.deleteByUser!(userId, except));
    this.#events.emit('revoke', { type: 'revoke', sessionId: undefined, userId, at: this.now(), count });
    return count;
  }

  async revokeSession(userId: string, sessionId: string): Promise<boolean> {
    const mine = await this.listUser(userId);
    if (!mine.some((entry) => entry.sessionId === sessionId)) return false;
    const key = this.options.keyPrefix + sessionId;
    await this.call('delete', (store) => store.delete(key));
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

  #userIndex(operation: string): void {
    if (!this.capabilities.userIndex) {
      throw new UnsupportedError(
        `\`${operation}\` needs a store with a user index; the "${this.options.store.name}" store cannot list or revoke a user's sessions. Use Redis, PostgreSQL, MySQL, SQLite, the filesystem or memory store.`,
      );
    }
  }

  #idOf(key: string): string {
    return key.slice(this.options.keyPrefix.length);
  }

  #sessionIdOf(session: SessionState): string | undefined {
    return session.ticket.key === undefined ? undefined : this.#idOf(session.ticket.key);
  }

  #emit(
    type:
      | 'create'
      | 'rotate'
      | 'login'
      | 'destroy'
      | 'invalid_token'
      | 'invalid_signature'
      | 'ambiguous_cookie',
    sessionId: string | undefined,
    userId: string | null,
  ): void {
    if (this.#events.has(type)) this.#events.emit(type, { type, sessionId, userId, at: this.now() });
  }
}
