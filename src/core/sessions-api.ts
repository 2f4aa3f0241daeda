/**
 * The session manager's public surface: what `createSessions` returns (`Sessions`) and what an
 * adapter may ask of `load` (`LoadHooks`). The implementation is in sessions.ts.
 */
import type { CommitResult } from './commit.ts';
import type { SessionEventMap, SessionEventName } from './events.ts';
import type { HealthOptions, HealthReport } from './health.ts';
import type { ResolvedOptions } from './options.ts';
import type { Session } from './session.ts';
import type { SessionData } from './session-types.ts';
import type { StoreCapabilities } from './store.ts';
import type { LoadInput } from './ticket-reader.ts';
import type { UserSession } from './user-sessions.ts';

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
  /**
   * Saves what the request changed and says which headers to send. Call before headers are sent.
   * Waits first for session calls the handler started and did not await.
   * @throws StoreUnavailableError (503) when the store failed; SessionGoneError (409) when the
   *   session ended (logout, revocation) while this request changed it, so nothing was stored;
   *   SessionLimitError (409) when parallel logins reached `maxSessionsPerUser` first;
   *   ConflictError (409) when another request logged in this session at the same time.
   */
  commit(session: Session<Data>, response: { readonly status: number }): Promise<CommitResult>;
  /**
   * Fast path for adapters: the commit, computed synchronously, when it needs no store write (the
   * session was never used, or was only read and its idle window needs no extending); `undefined`,
   * changing nothing, when it needs the store or session calls are still in flight (then call
   * `commit`, which reuses the plan). Lets a response go out in the same tick instead of waiting.
   */
  commitSync(session: Session<Data>, response: { readonly status: number }): CommitResult | undefined;
  /** Live sessions of a user. Throws UnsupportedError when the store keeps no user index. */
  listUser(userId: string, options?: { readonly current?: Session<Data> }): Promise<UserSession[]>;
  /** Deletes every session of a user (except `except`). Returns how many were deleted. */
  revokeUser(userId: string, options?: { readonly except?: Session<Data> }): Promise<number>;
  /** Deletes one session of a user, by the `sessionId` from `listUser`. Returns false if it was not theirs. */
  revokeSession(userId: string, sessionId: string): Promise<boolean>;
  /**
   * A readiness check: one cheap store round trip (a `get` of a random key that cannot exist) under
   * a deadline, the store's capabilities, and for a caching tier each of its front and back.
   * Never throws: a failed or slow store is reported as `status: 'down'` (`'degraded'` when only a
   * cache tier's front failed, since reads then fall back to the back store).
   * @example
   * app.get('/health', async (_req, res) => {
   *   const report = await sessions.health({ timeout: '500ms' });
   *   res.status(report.status === 'down' ? 503 : 200).json(report);
   * });
   */
  health(options?: HealthOptions): Promise<HealthReport>;
  /** Subscribes to an audit event; returns the unsubscribe function. */
  on<E extends SessionEventName>(name: E, listener: (event: SessionEventMap[E]) => void): () => void;
  /** Waits for commits in flight, then closes the store. */
  close(): Promise<void>;
}
