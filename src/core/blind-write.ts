/**
 * Blind writes: `session.set(key, value, { blind: true })` on a session the request never read.
 * The commit then sends the store the data patch alone (`Store.updateData`, one round trip), and
 * the store applies it only if the record is live, checked in the same atomic step, so a blind
 * write never resurrects a deleted session nor writes into an expired one. The window is not
 * extended (core does not know the record's deadlines without reading it).
 *
 * What a blind write gives up, by design: "an equal value is not a change" (the current value is
 * unknown, so every blind set is written); `maxSessionBytes` is checked on the patch only, not on
 * the whole record; and a session that turns out to be gone fails the commit (`SessionGoneError`)
 * instead of becoming a new session.
 */
import type { CommitDecision } from './commit-decision.ts';
import type { SessionState } from './session-state.ts';
import type { StoreDataPatch } from './store.ts';

/** The write of a blind commit. */
export interface BlindWrite {
  readonly kind: 'data';
  readonly key: string;
  readonly patch: StoreDataPatch;
}

const NO_CHANGE: CommitDecision = { store: 'none', cookie: 'none' };
const PATCHED: CommitDecision = { store: 'update', cookie: 'none' };

/** Whether `set(…, { blind: true })` may skip the load now: unread, with a ticket, on a capable store. */
export function canWriteBlind(state: SessionState): boolean {
  return state.loading === undefined && state.ticket.kind === 'valid' && state.runtime.blindWrites;
}

/**
 * The decision and write of a commit whose only session use was blind writes (never loaded,
 * changes pending), or `undefined` when the commit is an ordinary one. Pure: no I/O.
 */
export function planBlindWrite(
  state: SessionState,
  status: number,
): { readonly decision: CommitDecision; readonly write: BlindWrite | undefined } | undefined {
  if (state.loading !== undefined || state.destroyed || state.pending.size === 0) return undefined;
  // A failed response saves nothing (as in the decision table).
  if (status >= 500) return { decision: NO_CHANGE, write: undefined };
  return { decision: PATCHED, write: { kind: 'data', key: state.ticket.key!, patch: state.values.patch() } };
}
