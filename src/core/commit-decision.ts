/**
 * The commit step as a pure decision table: what one request's session needs from the store and
 * from the response, computed without I/O so every case can be unit-tested on its own.
 */

/** What the request did with its session, as the decision needs it. */
export interface CommitState {
  /** How the request presented its ticket: none, one that failed the shape/signature check, or a valid one. */
  readonly ticket: 'none' | 'rejected' | 'valid';
  /** Whether the ticket came in a cookie (cookies are cleared; header tickets cannot be). */
  readonly ticketInCookie: boolean;
  /** `undefined` when the session was never loaded; otherwise whether a live record was found. */
  readonly found: boolean | undefined;
  /** Data or owner changed in this request. */
  readonly changed: boolean;
  /** After the changes, the session holds no data at all (a new empty session is not stored). */
  readonly empty: boolean;
  /** `rotate()`, `login()` or a remember-me change asked for a new ticket. */
  readonly rotated: boolean;
  /** `destroy()` already deleted the record. */
  readonly destroyed: boolean;
  /** Enough of the idle window passed since the last write to extend it. */
  readonly touchDue: boolean;
  /** The ticket verified under an older secret and must be re-issued under the current one. */
  readonly staleSignature: boolean;
  /** The session's cookie carries a Max-Age (remember-me), so sliding the window re-sends it. */
  readonly persistentCookie: boolean;
  /** The response status is 5xx: nothing is saved. */
  readonly serverError: boolean;
}

/** What to do with the store. `rotate` = create under the new key, then delete the old one. */
export type StoreAction = 'none' | 'create' | 'update' | 'touch' | 'rotate';
/** What to do with the cookie. */
export type CookieAction = 'none' | 'set' | 'clear';

export interface CommitDecision {
  /** The one store call the commit makes: none, create, update (a patch), touch or rotate. */
  readonly store: StoreAction;
  /** What happens to the session cookie: nothing, set (a new or re-sent ticket), or clear. */
  readonly cookie: CookieAction;
}

const NOTHING: CommitDecision = { store: 'none', cookie: 'none' };

/** Maps one request's session state to one store action and one cookie action. */
export function decideCommit(state: CommitState): CommitDecision {
  // Only a ticket that can never be valid is cleared. A well-formed ticket without a record may be
  // one a concurrent rotation just replaced: clearing it could delete the browser's new cookie.
  const clearStale = state.ticketInCookie && state.ticket === 'rejected';
  if (state.destroyed) {
    return { store: 'none', cookie: state.ticketInCookie ? 'clear' : 'none' };
  }
  // A failed response saves nothing, so a half-done login or cart change never lands.
  if (state.serverError) return NOTHING;

  if (state.found !== true) {
    // No live record: a new session, stored only once it holds something (lazy creation).
    if (state.changed && !state.empty) return { store: 'create', cookie: 'set' };
    return clearStale ? { store: 'none', cookie: 'clear' } : NOTHING;
  }
  if (state.rotated) return { store: 'rotate', cookie: 'set' };
  const reissue = state.staleSignature;
  // An update slides the idle window as a touch does: a persistent cookie follows it on the same
  // throttle, or a session changed on every request would outlive its cookie.
  const slide = state.touchDue && state.persistentCookie;
  if (state.changed) return { store: 'update', cookie: reissue || slide ? 'set' : 'none' };
  if (state.touchDue) return { store: 'touch', cookie: reissue || slide ? 'set' : 'none' };
  return reissue ? { store: 'none', cookie: 'set' } : NOTHING;
}
