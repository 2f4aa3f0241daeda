/**
 * The commit, planned: a pure function from one request's session state, the options, the
 * response status and the time to what must happen — the decision, the one store write with its
 * arguments, and the headers. Every header is built here, before anything is written, so a cookie
 * that cannot be serialized fails the request without leaving a record behind.
 */
import { type BlindWrite, planBlindWrite } from './blind-write.ts';
import { type CommitDecision, type CommitState, decideCommit } from './commit-decision.ts';
import { clearingCookie, sessionCookie } from './cookie-writer.ts';
import { CodecError } from './errors.ts';
import { absoluteDeadline, slidingExpiry, touchDue } from './lifetime.ts';
import type { ResolvedOptions } from './options.ts';
import type { SessionState } from './session-state.ts';
import type { NewStoreRecord, StorePatch, StoreRotation, StoreTouch, UserLimit } from './store.ts';
import { encodeTicket, storeKeyFor } from './token.ts';

/** What the adapter must add to the response. */
export interface CommitResult {
  /** A Set-Cookie value to append, when the cookie changes. */
  readonly setCookie: string | undefined;
  /** The new ticket for header-transport clients (send it as `X-Session-Token`), when one was issued. */
  readonly headerTicket: string | undefined;
  /** Add `Cookie` to `Vary`: the response depends on the session. */
  readonly varyCookie: boolean;
  /** Send `Cache-Control: no-store`: the response carries a ticket no shared cache may keep. */
  readonly noStore: boolean;
  /** Send `Clear-Site-Data: "cookies", "storage"`: the session was destroyed and `clearSiteData` is on. */
  readonly clearSiteData: boolean;
  /** What was done, for tests and diagnostics. */
  readonly decision: CommitDecision;
}

/** The one store call a commit makes, with everything it needs. */
export type StoreWrite =
  | {
      readonly kind: 'create';
      readonly key: string;
      readonly record: NewStoreRecord;
      readonly limit: UserLimit | undefined;
      /**
       * The request presented a well-formed ticket the store did not know: possibly one a rotation
       * just replaced. Its changes first go through it as an update (a rotated-away key forwards
       * them to the rotated session, so a write racing a rotation is kept); only if no session
       * takes them is a new one created.
       */
      readonly through: { readonly key: string; readonly patch: StorePatch } | undefined;
    }
  | { readonly kind: 'update'; readonly key: string; readonly patch: StorePatch }
  | { readonly kind: 'touch'; readonly key: string; readonly window: StoreTouch }
  | {
      readonly kind: 'rotate';
      readonly oldKey: string;
      readonly newKey: string;
      readonly rotation: StoreRotation;
      /** `login()` moved the session to another user: losing a race to another rotation refuses it. */
      readonly userChanged: boolean;
      /** This request's changes as an update through the old key, for when another rotation won. */
      readonly fallback: StorePatch;
    }
  | BlindWrite;

/** A planned commit: carry out `write` (if any), then answer `result`. */
export interface CommitPlan {
  readonly decision: CommitDecision;
  readonly write: StoreWrite | undefined;
  readonly result: CommitResult;
}

/**
 * How long a rotated-away key keeps forwarding to its successor: a logout or revocation through
 * the old ticket in this window also ends the new session, and a write still in flight with the
 * old ticket lands on it. Covers any request that loaded before the rotation (request timeouts of
 * proxies and servers are at most about a minute); after it the old ticket is simply unknown.
 */
export const ROTATION_FORWARD_MS = 60_000;

/**
 * Plans the commit of `state` for a response with HTTP `status` at `now`. Pure but for minting a
 * new token. `decided` is the decision table's answer for the same inputs, when already taken.
 */
export function planCommit(
  options: ResolvedOptions,
  state: SessionState,
  status: number,
  now: number,
  decided?: CommitDecision,
): CommitPlan {
  const blind = planBlindWrite(state, status);
  if (blind !== undefined) {
    return { ...blind, result: buildResult(options, state, blind.decision, undefined, undefined, now) };
  }
  const decision = decided ?? decideCommit(commitState(options, state, status, now));
  const record = state.record;
  const remembered = state.isRemembered();
  let token = state.ticket.token;
  let write: StoreWrite | undefined;
  let expiresAt = record?.expiresAt ?? now;
  switch (decision.store) {
    case 'create':
    case 'rotate': {
      const fresh = decision.store === 'create' || state.userChanged;
      const createdAt = fresh ? now : record!.createdAt;
      const absoluteExpiresAt = absoluteDeadline(options, createdAt, remembered, state.absoluteCap);
      expiresAt = slidingExpiry(options, now, absoluteExpiresAt, remembered);
      checkSize(options, state);
      const data = state.values.merged();
      const userId = state.userIdOrNull();
      token = state.nextToken();
      const key = storeKeyFor(token, options.keyPrefix);
      const fields = { userId, createdAt, lastSeenAt: now, expiresAt, absoluteExpiresAt };
      // Only a login adds a session to a user: a rotation within one user replaces itself.
      const limit = userId !== null && state.userId !== undefined ? options.sessionLimit : undefined;
      if (decision.store === 'create') {
        const stale = state.ticket.kind === 'valid' && !state.rotated && state.userId === undefined;
        const through = stale
          ? { key: state.ticket.key!, patch: { ...state.values.patch(), lastSeenAt: now, expiresAt } }
          : undefined;
        write = { kind: 'create', key, record: { data, ...fields }, limit, through };
        break;
      }
      const patch = state.values.patch();
      write = {
        kind: 'rotate',
        oldKey: state.ticket.key!,
        newKey: key,
        rotation: {
          record: fields,
          patch,
          // The grace window never applies to a login: the old ticket may be one an attacker planted.
          // Without a window the deadline is 0, not `now`: a store whose clock runs behind ours must
          // not find the old ticket readable for the length of the skew.
          readableUntil:
            state.userChanged || options.rotationGraceMs === 0
              ? 0
              : Math.min(record!.expiresAt, now + options.rotationGraceMs),
          forwardWrites: !state.userChanged,
          forwardUntil: now + ROTATION_FORWARD_MS,
          limit: state.userChanged ? limit : undefined,
        },
        userChanged: state.userChanged,
        fallback: {
          ...patch,
          lastSeenAt: now,
          expiresAt: slidingExpiry(options, now, record!.absoluteExpiresAt, remembered),
        },
      };
      break;
    }
    case 'update': {
      expiresAt = slidingExpiry(options, now, record!.absoluteExpiresAt, remembered);
      checkSize(options, state);
      const userId = state.userChanged ? state.userIdOrNull() : undefined;
      const { set, del } = state.values.patch();
      write = {
        kind: 'update',
        key: state.ticket.key!,
        // Spelled out, not spread: a spread here cost more than the rest of the plan (profiled).
        patch: { set, del, userId, lastSeenAt: now, expiresAt },
      };
      break;
    }
    case 'touch': {
      expiresAt = slidingExpiry(options, now, record!.absoluteExpiresAt, remembered);
      write = { kind: 'touch', key: state.ticket.key!, window: { lastSeenAt: now, expiresAt } };
      break;
    }
    case 'none':
      break;
  }
  const maxAgeMs = remembered || options.cookie?.persistent === true ? expiresAt - now : undefined;
  return { decision, write, result: buildResult(options, state, decision, token, maxAgeMs, now) };
}

/** The result for a rotation that lost to another one: the browser keeps the ticket the winner sends. */
export function withoutTicket(result: CommitResult): CommitResult {
  return { ...result, setCookie: undefined, headerTicket: undefined, noStore: false };
}

function buildResult(
  options: ResolvedOptions,
  state: SessionState,
  decision: CommitDecision,
  token: string | undefined,
  maxAgeMs: number | undefined,
  now: number,
): CommitResult {
  const ticket = state.ticket;
  const viaHeader = options.cookie === undefined || (ticket.kind !== 'none' && !ticket.inCookie);
  let setCookie: string | undefined;
  let headerTicket: string | undefined;
  if (decision.cookie === 'set' && token !== undefined) {
    const encoded = encodeTicket(token, options.secrets);
    if (viaHeader) headerTicket = encoded;
    else setCookie = sessionCookie(options.cookie!, encoded, maxAgeMs, now);
  } else if (decision.cookie === 'clear' && options.cookie !== undefined && ticket.inCookie) {
    setCookie = clearingCookie(options.cookie);
  }
  return {
    setCookie,
    headerTicket,
    // A response that never used its session does not depend on it, whatever cookie came in.
    varyCookie: state.loaded || setCookie !== undefined,
    noStore: setCookie !== undefined || headerTicket !== undefined,
    clearSiteData: options.clearSiteData && state.destroyed,
    decision,
  };
}

/** Rejects a session whose encoded values exceed `maxSessionBytes`, before anything is written. */
function checkSize(options: ResolvedOptions, state: SessionState): void {
  const bytes = state.values.encodedBytes();
  if (bytes > options.maxSessionBytes) {
    throw new CodecError(
      `The session holds ${bytes} bytes of data, over the limit of ${options.maxSessionBytes}; store less in it or raise \`maxSessionBytes\`.`,
    );
  }
}

/** Whether `data` has no key, without the array Object.keys would build (this runs on every commit). */
function hasNoKeys(data: object): boolean {
  for (const _ in data) return false;
  return true;
}

/** The decision table's input for `state` at `now`. */

export function commitState(
  options: ResolvedOptions,
  state: SessionState,
  status: number,
  now: number,
): CommitState {
  const record = state.record;
  const ticket = state.ticket;
  const remembered = state.isRemembered();
  const pending = state.pending;
  return {
    ticket: ticket.kind,
    ticketInCookie: ticket.inCookie,
    // A failed load (store down) says nothing about the session: never clear a live cookie for it.
    found: state.loaded && !state.loadFailed ? record !== undefined : undefined,
    changed: pending.size > 0 || state.userChanged,
    empty: pending.size === 0 ? record === undefined || hasNoKeys(record.data) : state.values.isEmpty(),
    rotated: state.rotated,
    destroyed: state.destroyed,
    touchDue: record !== undefined && touchDue(options, record, now, remembered),
    staleSignature: ticket.staleSignature,
    persistentCookie: remembered || options.cookie?.persistent === true,
    serverError: status >= 500,
  };
}
