/**
 * Audit events. Each carries `sessionId`, the SHA-256 store key of the session (without the key
 * prefix): it identifies the session in logs and for revocation, and cannot be used as a ticket.
 * Nothing here ever carries a token.
 */
import { warn } from './warn.ts';

/** Every event name, with the moment it marks. */
export interface SessionEventMap {
  /** A new session was stored. */
  create: SessionEvent;
  /** The session moved to a new ticket (data kept, old ticket dead). */
  rotate: SessionEvent;
  /** `login(userId)` bound the session to a user. */
  login: SessionEvent;
  /** The session was deleted by `destroy()`. */
  destroy: SessionEvent;
  /** Sessions were deleted by `revokeUser` or `revokeSession`. */
  revoke: SessionEvent & { readonly count: number };
  /** A presented session had passed its idle or absolute deadline. */
  expire: SessionEvent & { readonly reason: 'idle' | 'absolute' };
  /** A ticket of the wrong shape was presented (no store call was made). */
  invalid_token: SessionEvent;
  /** A ticket with a bad signature was presented (no store call was made). */
  invalid_signature: SessionEvent;
  /** The request carried two different session cookies; neither was used. */
  ambiguous_cookie: SessionEvent;
  /** A stored record failed to decode or validate; it was treated as absent. */
  corrupt_record: SessionEvent & { readonly error: Error };
  /**
   * A request did not match what the session is bound to (with `bindUserAgent`: another
   * User-Agent than at login). The request got a fresh session; the stored one is untouched.
   */
  anomaly: SessionEvent & { readonly reason: 'user_agent' };
  /**
   * `verifyCsrf` refused a request: `cross_site` (Sec-Fetch-Site), `origin` (another Origin than
   * the expected one) or `token` (missing or wrong CSRF token). The request was not carried out.
   */
  csrf_refused: SessionEvent & { readonly reason: CsrfRefusal };
  /** A store call failed or timed out. */
  store_unavailable: SessionEvent & { readonly operation: string; readonly error: Error };
  /**
   * The app used the session after its response was sent (typically a call it did not `await`
   * after sending): the call rejected with SessionStateError and changed nothing. Reported once
   * per request; without a listener, as a process warning (code `COATCHECK_LATE_USE`).
   */
  late_use: SessionEvent & {
    /** The session method, e.g. `set`. */
    readonly operation: string;
    /** The route, as the adapter described it (`LoadInput.context`), e.g. `GET /cart`. */
    readonly context: string | undefined;
    readonly error: Error;
  };
}

/** The name of a session event (`'created'`, `'rotated'`, …): a key of {@link SessionEventMap}. */
export type SessionEventName = keyof SessionEventMap;

/** Why `verifyCsrf` refused a request. */
export type CsrfRefusal = 'cross_site' | 'origin' | 'token';

/** What every event carries. */
export interface SessionEvent {
  /** The event's name, as passed to `sessions.on`. */
  readonly type: SessionEventName;
  /** SHA-256 store key of the session (never the token); undefined when no session was identified. */
  readonly sessionId: string | undefined;
  /** The session's user, or `null` (anonymous, or not known at that point). */
  readonly userId: string | null;
  /** When it happened (ms, from the configured clock). */
  readonly at: number;
}

type Listener<E extends SessionEventName> = (event: SessionEventMap[E]) => void;

/** A minimal typed emitter: synchronous listeners, errors in listeners never reach the request. */
export class SessionEvents {
  readonly #listeners = new Map<SessionEventName, Set<(event: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<E extends SessionEventName>(name: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** True when anyone listens, so callers can skip building an event nobody reads. */
  has(name: SessionEventName): boolean {
    return (this.#listeners.get(name)?.size ?? 0) > 0;
  }

  emit<E extends SessionEventName>(name: E, event: SessionEventMap[E]): void {
    const set = this.#listeners.get(name);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        (listener as Listener<E>)(event);
      } catch (error) {
        // An audit hook must not break the request it observes; surface it without throwing.
        warn(`coatcheck: a '${name}' listener threw: ${String(error)}`, 'COATCHECK_LISTENER');
      }
    }
  }
}
