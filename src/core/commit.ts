/**
 * Carries out the commit decision for one session: at most one store write (two for a rotation),
 * then the headers the response must carry. Runs before the response's headers are sent.
 */
import { type CommitDecision, type CommitState, decideCommit } from './commit-decision.ts';
import { clearingCookie, sessionCookie } from './cookie-writer.ts';
import { CodecError, ConflictError } from './errors.ts';
import { absoluteDeadline, slidingExpiry, touchDue } from './lifetime.ts';
import type { ResolvedOptions } from './options.ts';
import type { Session } from './session.ts';
import { isDeletion } from './session-values.ts';
import type { NewStoreRecord, StoreRecord } from './store.ts';
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

/** The store operations the commit needs, already wrapped with timeout and error mapping. */
export interface CommitStore {
  create(key: string, record: NewStoreRecord): Promise<boolean>;
  update(key: string, record: StoreRecord, session: Session): Promise<boolean>;
  touch(key: string, lastSeenAt: number, expiresAt: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  onCreated(session: Session, key: string, rotatedFrom: string | undefined): void;
}

/**
 * The commit of a session that needs no store write (never loaded; or loaded, unchanged and with
 * no touch due), computed synchronously so adapters can send the response in the same tick.
 * Returns undefined, changing nothing, when the commit needs the store: use {@link commitSession}.
 */
export function commitWithoutStore(
  options: ResolvedOptions,
  session: Session,
  status: number,
): CommitResult | undefined {
  const now = options.now();
  const decision = decideCommit(commitState(options, session, status, now));
  if (decision.store !== 'none') return undefined;
  session.markCommitted();
  return noWriteResult(options, session, decision, now);
}

/**
 * Whether the commit of a session the handler never uses still has something to send (a cookie
 * to clear), judged by the decision table itself so the two cannot disagree.
 */
export function unusedSessionAnswers(ticket: Session['ticket']): boolean {
  const decision = decideCommit({
    ticket: ticket.kind,
    ticketInCookie: ticket.inCookie,
    found: undefined,
    changed: false,
    empty: true,
    rotated: false,
    destroyed: false,
    touchDue: false,
    staleSignature: ticket.staleSignature,
    persistentCookie: false,
    serverError: false,
  });
  return decision.store !== 'none' || decision.cookie !== 'none';
}

/** Commits `session` for a response with HTTP `status`. */
export function commitSession(
  options: ResolvedOptions,
  store: CommitStore,
  session: Session,
  status: number,
): Promise<CommitResult> {
  try {
    const now = options.now();
    const decision = decideCommit(commitState(options, session, status, now));
    session.markCommitted();
    // Nothing to write (an unused or read-only session): an already settled promise, without an
    // async function's machinery, so adapters that await it pay one microtask and no more.
    if (decision.store === 'none') return Promise.resolve(noWriteResult(options, session, decision, now));
    return writeCommit(options, store, session, decision, now);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The result of a commit that writes nothing. */
function noWriteResult(
  options: ResolvedOptions,
  session: Session,
  decision: CommitDecision,
  now: number,
): CommitResult {
  return buildResult(
    options,
    session,
    decision,
    decision.cookie,
    session.ticket.token,
    cookieMaxAge(session, now),
  );
}

/** Carries out a decision that needs the store, then builds the result. */
async function writeCommit(
  options: ResolvedOptions,
  store: CommitStore,
  session: Session,
  decision: CommitDecision,
  now: number,
): Promise<CommitResult> {
  const record = session.record;
  const ticket = session.ticket;
  const remembered = session.isRemembered();

  let cookieToken = ticket.token;
  let expiresAt = record?.expiresAt ?? now;
  const cookieAction = decision.cookie;
  switch (decision.store) {
    case 'create':
    case 'rotate': {
      const fresh = decision.store === 'create' || session.userChanged;
      const createdAt = fresh ? now : record!.createdAt;
      const absoluteExpiresAt = absoluteDeadline(options, createdAt, remembered, session.absoluteCap);
      expiresAt = slidingExpiry(options, now, absoluteExpiresAt, remembered);
      const newRecord: NewStoreRecord = {
        data: checkedSize(options, session.mergedData()),
        userId: session.userIdOrNull(),
        createdAt,
        lastSeenAt: now,
        expiresAt,
        absoluteExpiresAt,
      };
      cookieToken = session.nextToken();
      const key = storeKeyFor(cookieToken, options.keyPrefix);
      // 256 random bits never collide in practice; a false here means a broken store or RNG.
      if (!(await store.create(key, newRecord))) {
        throw new ConflictError('The store reported a collision for a freshly generated session key.');
      }
      const oldKey = decision.store === 'rotate' ? ticket.key : undefined;
      if (oldKey !== undefined) {
        // A grace window lets requests already in flight with the old ticket still read the
        // session; never after login, where the old ticket may be one an attacker planted.
        const graceEnd = Math.min(record!.expiresAt, now + options.rotationGraceMs);
        if (options.rotationGraceMs > 0 && !session.userChanged) {
          await store.touch(oldKey, record!.lastSeenAt, graceEnd);
        } else await store.delete(oldKey);
      }
      store.onCreated(session, key, oldKey);
      break;
    }
    case 'update': {
      expiresAt = slidingExpiry(options, now, record!.absoluteExpiresAt, remembered);
      checkedSize(options, session.mergedData());
      const updated = { ...record!, lastSeenAt: now, expiresAt };
      // false: the session was deleted or rotated meanwhile. It stays deleted, and the cookie is
      // left alone: the browser may already hold the ticket a concurrent rotation issued.
      await store.update(ticket.key!, updated, session);
      break;
    }
    case 'touch': {
      expiresAt = slidingExpiry(options, now, record!.absoluteExpiresAt, remembered);
      await store.touch(ticket.key!, now, expiresAt);
      break;
    }
    case 'none':
      break;
  }
  return buildResult(
    options,
    session,
    decision,
    cookieAction,
    cookieToken,
    remembered ? expiresAt - now : undefined,
  );
}

/** A remembered session's cookie lives until its record expires; others are browser-session cookies. */
function cookieMaxAge(session: Session, now: number): number | undefined {
  return session.isRemembered() ? (session.record?.expiresAt ?? now) - now : undefined;
}

function buildResult(
  options: ResolvedOptions,
  session: Session,
  decision: CommitDecision,
  cookieAction: CommitDecision['cookie'],
  token: string | undefined,
  maxAgeMs: number | undefined,
): CommitResult {
  const viaHeader =
    options.cookie === undefined || (session.ticket.kind !== 'none' && !session.ticket.inCookie);
  let setCookie: string | undefined;
  let headerTicket: string | undefined;
  if (cookieAction === 'set' && token !== undefined) {
    const ticket = encodeTicket(token, options.secrets);
    if (viaHeader) headerTicket = ticket;
    else setCookie = sessionCookie(options.cookie!, ticket, maxAgeMs);
  } else if (cookieAction === 'clear' && options.cookie !== undefined && session.ticket.inCookie) {
    setCookie = clearingCookie(options.cookie);
  }
  return {
    setCookie,
    headerTicket,
    // A response that never used its session does not depend on it, whatever cookie came in.
    varyCookie: session.loaded || setCookie !== undefined,
    noStore: setCookie !== undefined || headerTicket !== undefined,
    clearSiteData: options.clearSiteData && session.destroyed,
    decision,
  };
}

function isEmpty(session: Session): boolean {
  return Object.keys(session.mergedData()).length === 0;
}

/** Rejects a session whose encoded values exceed `maxSessionBytes`, before anything is written. */
function checkedSize(options: ResolvedOptions, data: Record<string, string>): Record<string, string> {
  let bytes = 0;
  for (const key in data) bytes += key.length + Buffer.byteLength(data[key]!, 'utf8');
  if (bytes > options.maxSessionBytes) {
    throw new CodecError(
      `The session holds ${bytes} bytes of data, over the limit of ${options.maxSessionBytes}; store less in it or raise \`maxSessionBytes\`.`,
    );
  }
  return data;
}

/** The patch for an update: encoded values set and keys deleted in this request. */
export function patchOf(session: Session): { set: Record<string, string>; del: string[] } {
  const set: Record<string, string> = {};
  const del: string[] = [];
  for (const [key, value] of session.pending) {
    if (isDeletion(value)) del.push(key);
    else set[key] = value;
  }
  return { set, del };
}

/** The decision table's input for `session` at `now`. */
function commitState(options: ResolvedOptions, session: Session, status: number, now: number): CommitState {
  const record = session.record;
  const ticket = session.ticket;
  const remembered = session.isRemembered();
  const pending = session.pending;
  return {
    ticket: ticket.kind,
    ticketInCookie: ticket.inCookie,
    // A failed load (store down) says nothing about the session: never clear a live cookie for it.
    found: session.loaded && !session.loadFailed ? record !== undefined : undefined,
    changed: pending.size > 0 || session.userChanged,
    empty:
      pending.size === 0 ? record === undefined || Object.keys(record.data).length === 0 : isEmpty(session),
    rotated: session.rotated,
    destroyed: session.destroyed,
    touchDue: record !== undefined && touchDue(options, record, now, remembered),
    staleSignature: ticket.staleSignature,
    persistentCookie: remembered,
    serverError: status >= 500,
  };
}
