/**
 * The state of one request's session, in one place: what the ticket said, what was loaded, what
 * the handler changed, and the work still in flight. `Session` (the public handle) holds it in a
 * private field; core's commit reads it through `sessionState()` in session.ts. Nothing here is
 * part of the public API.
 */
import type { CodecLimits } from './codec.ts';
import type { ValueCipher } from './encryption.ts';
import { SessionStateError, StoreUnavailableError } from './errors.ts';
import type { CsrfRefusal } from './events.ts';
import { META, type PresentedTicket, type RequestMeta } from './session-types.ts';
import { type Pending, SessionValues } from './session-values.ts';
import type { StandardSchemaV1 } from './standard-schema.ts';
import type { StoreRecord } from './store.ts';

/** @internal What a session needs from the manager that created it. Implemented by sessions.ts. */
export interface SessionRuntime {
  readonly codecLimits: CodecLimits;
  readonly schema: StandardSchemaV1 | undefined;
  readonly cipher: ValueCipher | undefined;
  /** Compare the request's User-Agent with the one recorded at login. */
  readonly bindUserAgent: boolean;
  /** The store offers `updateData`, so `set(…, { blind: true })` may skip the load. */
  readonly blindWrites: boolean;
  now(): number;
  generateToken(): string;
  /** The live record at `key` (expiry re-checked by core, an expired one reported), or undefined. */
  fetchLive(key: string): Promise<StoreRecord | undefined>;
  /** A loaded record failed to decode: report it; the session continues as new. */
  reportCorrupt(session: SessionState, record: StoreRecord, error: unknown): void;
  /** A loaded record does not match the request it is bound to: report it; the session continues as new. */
  reportAnomaly(session: SessionState, record: StoreRecord, reason: 'user_agent'): void;
  /** A session was used after its commit: report it once (the caller's promise rejects anyway). */
  reportLateUse(session: SessionState, operation: string, error: Error): void;
  /** `verifyCsrf` refused a request made with this session: report it (the check throws anyway). */
  reportCsrfRefusal(session: SessionState, reason: CsrfRefusal): void;
  /** The early `maxSessionsPerUser` check of `login()` with `onLimit: 'reject'` (the store enforces it again, atomically). */
  checkSessionLimit(session: SessionState, userId: string): Promise<void>;
  /** Ends the session at `key` (and what it was rotated to). */
  endSession(session: SessionState, key: string): Promise<void>;
}

const NO_PENDING: ReadonlyMap<string, Pending> = new Map();

/** @internal One request's session state. Fields are written by session.ts and read by the commit. */
export class SessionState {
  readonly runtime: SessionRuntime;
  readonly ticket: PresentedTicket;
  readonly meta: RequestMeta;
  /** Created at the first read or write: an unused session allocates none of it (hot path). */
  lazyValues: SessionValues | undefined = undefined;
  /** Set at the first load; a settled promise when there is nothing to load. */
  loading: Promise<void> | undefined = undefined;
  /** The live record loaded for the ticket, if any. */
  record: StoreRecord | undefined = undefined;
  /** The load failed (store unavailable): the commit must not mistake it for "no session". */
  loadFailed = false;
  /** The owner set by `login()`; undefined leaves the record's. */
  userId: string | null | undefined = undefined;
  /** The token a new or rotated session will be stored under, minted when first needed. */
  newToken: string | undefined = undefined;
  rotated = false;
  destroyed = false;
  committed = false;
  /** `login({ absoluteExpiresAt })`. */
  absoluteCap: number | undefined = undefined;
  /** Told once, at the first use; cleared when called (see `LoadHooks.onFirstUse`). */
  onFirstUse: (() => void) | undefined;
  /** Session calls started and not yet settled (a handler may not await them). */
  busy = 0;
  /** Resolves the commit waiting for `busy` to reach 0. */
  #whenIdle: (() => void) | undefined = undefined;
  /** How many sessions `login()` found the store must evict for this login (for the `revoke` event). */
  expectedEvictions: number | undefined = undefined;
  /** A late use was reported already (once per request). */
  lateUseReported = false;
  /**
   * The store failure a writing session call met before the commit. The commit fails with it
   * too, so a write the handler did not await cannot let the response claim it happened. (A failed
   * read is the handler's to handle: it may answer without the session.)
   */
  storeFailure: Error | undefined = undefined;

  constructor(
    runtime: SessionRuntime,
    ticket: PresentedTicket,
    meta: RequestMeta,
    onFirstUse: (() => void) | undefined,
  ) {
    this.runtime = runtime;
    this.ticket = ticket;
    this.meta = meta;
    this.onFirstUse = onFirstUse;
  }

  get values(): SessionValues {
    this.lazyValues ??= new SessionValues(this.runtime.cipher, this.runtime.codecLimits);
    return this.lazyValues;
  }

  get pending(): ReadonlyMap<string, Pending> {
    return this.lazyValues === undefined ? NO_PENDING : this.lazyValues.pending;
  }

  get loaded(): boolean {
    return this.loading !== undefined;
  }

  /** The owner after this request's changes. */
  userIdOrNull(): string | null {
    return this.userId !== undefined ? this.userId : (this.record?.userId ?? null);
  }

  /** `login()` bound the session to another user than the stored one. */
  get userChanged(): boolean {
    return this.userId !== undefined && this.userId !== (this.record?.userId ?? null);
  }

  /** Remember-me is on (the session has been loaded and carries the flag). */
  isRemembered(): boolean {
    return this.loading !== undefined && this.values.read(META.remember) === true;
  }

  /** Every public use goes through load() or destroy(), so this sees the first one. */
  firstUse(): void {
    const hook = this.onFirstUse;
    if (hook === undefined) return;
    this.onFirstUse = undefined;
    hook();
  }

  assertOpen(): void {
    if (this.committed)
      throw new SessionStateError('This session was already committed; use it before the response is sent.');
  }

  write(key: string, value: unknown): void {
    this.assertOpen();
    this.values.write(key, value);
  }

  remove(key: string): void {
    this.assertOpen();
    this.values.remove(key);
  }

  /** Asks the commit for a new ticket (a rotation), re-sealing stale values with it. */
  rotateToken(): void {
    this.assertOpen();
    this.rotated = true;
    this.newToken = this.runtime.generateToken();
    this.values.resealStale();
  }

  /** The token the commit stores under, minting one for a new or rotated session. */
  nextToken(): string {
    this.newToken ??= this.runtime.generateToken();
    return this.newToken;
  }

  /** Counts a session call in flight until it settles, so the commit can wait for it. */
  track<T>(work: Promise<T>, operation: string, writes = true): Promise<T> {
    this.busy++;
    const settle = () => {
      if (--this.busy === 0 && this.#whenIdle !== undefined) {
        const wake = this.#whenIdle;
        this.#whenIdle = undefined;
        wake();
      }
    };
    work.then(settle, (error: unknown) => {
      // An un-awaited call that fails must not become an unhandled rejection that ends the
      // process: its rejection is handled here, and a use after commit is reported once.
      if (this.committed) {
        if (error instanceof Error) this.runtime.reportLateUse(this, operation, error);
      } else if (writes && error instanceof StoreUnavailableError) this.storeFailure ??= error;
      settle();
    });
    return work;
  }

  /** Resolves once no session call is in flight (at once when none is). */
  idle(): Promise<void> | undefined {
    if (this.busy === 0) return undefined;
    return new Promise((resolve) => {
      const previous = this.#whenIdle;
      this.#whenIdle =
        previous === undefined
          ? resolve
          : () => {
              previous();
              resolve();
            };
    });
  }
}
