/**
 * Carries out a planned commit (commit-plan.ts): waits for session calls the handler did not
 * await, makes the plan's one store call, and turns the store's answer into the result or a typed
 * error. Runs before the response's headers are sent.
 */
import { decideCommit } from './commit-decision.ts';
import {
  type CommitPlan,
  type CommitResult,
  commitState,
  planCommit,
  type StoreWrite,
  withoutTicket,
} from './commit-plan.ts';
import { ConflictError, SessionGoneError, SessionLimitError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import type { SessionState } from './session-state.ts';
import type { Store } from './store.ts';

export type { CommitResult } from './commit-plan.ts';

/** What the commit needs from the manager. */
export interface CommitRuntime {
  readonly options: ResolvedOptions;
  /** Runs one store call with the deadline and error mapping every store call gets. */
  call<T>(operation: string, run: (store: Store) => Promise<T>): Promise<T>;
  /** A session was stored under `key` (created, or rotated from `state.ticket.key`): emit its events. */
  stored(state: SessionState, key: string, rotated: boolean): void;
}

/**
 * The commit of a session that needs no store write (never loaded; or loaded, unchanged and with
 * no touch due), computed synchronously so adapters can send the response in the same tick.
 * Returns undefined, changing nothing, when the commit needs the store or must wait for session
 * calls still in flight: then call {@link commitSession}. Both plan with the same pure function;
 * the plan is not kept between them, since the handler may still change the session in between.
 */
export function commitWithoutStore(
  options: ResolvedOptions,
  state: SessionState,
  status: number,
): CommitResult | undefined {
  if (state.busy > 0 || state.storeFailure !== undefined) return undefined;
  const now = options.now();
  // The decision alone says whether the store is needed; only then is the rest planned.
  const decision = decideCommit(commitState(options, state, status, now));
  if (decision.store !== 'none') return undefined;
  const plan = planCommit(options, state, status, now, decision);
  state.committed = true;
  return plan.result;
}

/** Commits `state` for a response with HTTP `status`. */
export function commitSession(
  runtime: CommitRuntime,
  state: SessionState,
  status: number,
): Promise<CommitResult> {
  const idle = state.idle();
  // Session calls the handler started and did not await are part of this response: wait for them.
  if (idle !== undefined) return idle.then(() => commitNow(runtime, state, status));
  return commitNow(runtime, state, status);
}

function commitNow(runtime: CommitRuntime, state: SessionState, status: number): Promise<CommitResult> {
  try {
    if (state.storeFailure !== undefined) throw state.storeFailure;
    const plan = planCommit(runtime.options, state, status, runtime.options.now());
    state.committed = true;
    // Nothing to write (an unused or read-only session): an already settled promise, without an
    // async function's machinery, so adapters that await it pay one microtask and no more.
    if (plan.write === undefined) return Promise.resolve(plan.result);
    return execute(runtime, state, plan, plan.write);
  } catch (error) {
    return Promise.reject(error);
  }
}

async function execute(
  runtime: CommitRuntime,
  state: SessionState,
  plan: CommitPlan,
  write: StoreWrite,
): Promise<CommitResult> {
  switch (write.kind) {
    case 'create': {
      if (write.through !== undefined && (await update(runtime, write.through.key, write.through.patch))) {
        return withoutTicket(plan.result);
      }
      const outcome = await runtime.call('create', (store) =>
        store.create(write.key, write.record, write.limit),
      );
      if (outcome === 'limit') throw new SessionLimitError(write.limit!.max);
      // 256 random bits never collide in practice; a false here means a broken store or RNG.
      if (outcome !== true)
        throw new ConflictError('The store reported a collision for a freshly generated session key.');
      runtime.stored(state, write.key, false);
      return plan.result;
    }
    case 'rotate': {
      const { oldKey, newKey, rotation } = write;
      const outcome = await runtime.call('rotate', (store) => store.rotate(oldKey, newKey, rotation));
      if (outcome === 'rotated') {
        runtime.stored(state, newKey, true);
        return plan.result;
      }
      if (outcome === 'limit') throw new SessionLimitError(rotation.limit!.max);
      if (outcome === 'gone') throw gone('was logged out, revoked or expired while this request rotated it');
      // Another request rotated this session first, and its response carries the new ticket.
      if (write.userChanged) {
        throw new ConflictError(
          'Another request rotated or logged in this session at the same time; this login was not applied. Log in again.',
        );
      }
      // This request's own changes go through the old key, which forwards them to the winner.
      const { set, del } = write.fallback;
      if (
        (Object.keys(set).length > 0 || del.length > 0) &&
        !(await update(runtime, oldKey, write.fallback))
      ) {
        throw gone('ended while this request changed it');
      }
      return withoutTicket(plan.result);
    }
    case 'update':
      if (!(await update(runtime, write.key, write.patch))) throw gone('ended while this request changed it');
      return plan.result;
    case 'data':
      // A blind write (blind-write.ts): the store checks liveness in the same step as the write.
      if (!(await runtime.call('updateData', (store) => store.updateData!(write.key, write.patch)))) {
        throw gone('ended before this request wrote to it');
      }
      return plan.result;
    case 'touch':
      // false: deleted or rotated meanwhile. Nothing of the app's was lost (a touch carries no data),
      // and the cookie is left alone: the browser may already hold the ticket a rotation issued.
      await runtime.call('touch', (store) => store.touch(write.key, write.window));
      return plan.result;
  }
}

function update(
  runtime: CommitRuntime,
  key: string,
  patch: Parameters<Store['update']>[1],
): Promise<boolean> {
  return runtime.call('update', (store) => store.update(key, patch));
}

function gone(what: string): SessionGoneError {
  return new SessionGoneError(
    `The session ${what} (another request logged out, or it was revoked, expired or logged in elsewhere); the change was not stored.`,
  );
}
