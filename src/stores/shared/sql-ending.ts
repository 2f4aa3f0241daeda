/**
 * Ending sessions in the SQL stores (`delete`, `deleteByUser`, evictions under a user limit),
 * written once: remove the records, and for keys that were rotated away, end what they moved to.
 *
 * The steps are single statements and need no transaction around them:
 * - a record delete that meets a rotation in progress waits for its row lock and then re-checks the
 *   row, which is a forwarder by then, so it removes nothing and the forwarder is followed;
 * - the records a forwarder leads to are ended before the forwarder row is dropped, so a crash
 *   half-way leaves the forwarder in place and ending the old key again still finishes the job.
 */
import type { UserLimit } from '../../core/store.ts';
import { MAX_HOPS } from './contention.ts';
import { type LimitCandidate, planUserLimit } from './user-limit.ts';

/** The statements behind {@link endSessions}, run by each store in its dialect. */
export interface EndingSteps {
  /**
   * Deletes the record rows among `keys` (forwarder rows are left alone).
   * @returns how many rows were removed, and how many of them were live (`expires_at > now`).
   */
  removeRecords(keys: readonly string[]): Promise<Removed> | Removed;
  /** The forwarders among `keys`, as key → successor. Must read the latest committed rows. */
  successors(keys: readonly string[]): Promise<Map<string, string>> | Map<string, string>;
  /** Deletes the forwarder rows among `keys`. */
  removeForwarders(keys: readonly string[]): Promise<unknown> | unknown;
}

/** What ending some keys removed. */
export interface Removed {
  /** Record rows removed, expired ones included. */
  readonly removed: number;
  /** Of those, the live ones. */
  readonly live: number;
}

/**
 * Ends the sessions at `keys`: removes their records and, for keys that are forwarders, ends the
 * records they lead to (following the chain), then drops the forwarders. `exceptKey` is never
 * ended, even when a forwarder leads to it. One statement when every key holds a record.
 */
export async function endSessions(
  steps: EndingSteps,
  keys: readonly string[],
  exceptKey?: string,
): Promise<Removed> {
  let removed = 0;
  let live = 0;
  let pending = [...new Set(keys)].filter((key) => key !== exceptKey);
  const forwarders: string[] = [];
  for (let hop = 0; pending.length > 0 && hop < MAX_HOPS; hop++) {
    const result = await steps.removeRecords(pending);
    removed += result.removed;
    live += result.live;
    // A key is a record or a forwarder, never both: when every key was a record, none forwards.
    if (result.removed === pending.length) break;
    const next = await steps.successors(pending);
    forwarders.push(...next.keys());
    pending = [...new Set(next.values())].filter((key) => key !== exceptKey);
  }
  // Last: a forwarder goes only once every record it leads to has been ended.
  if (forwarders.length > 0) await steps.removeForwarders(forwarders);
  return { removed, live };
}

/**
 * Enforces `limit` once a new session of the user is written, inside the transaction that holds
 * the user's lock: `live` are the user's other live sessions. Ends the least recently seen ones
 * (as `delete` does, so one rotated meanwhile is followed) or answers `'limit'`: roll back.
 */
export async function enforceLimit(
  live: readonly LimitCandidate[],
  limit: UserLimit,
  steps: EndingSteps,
): Promise<'admitted' | 'limit'> {
  const plan = planUserLimit(live, limit);
  if (plan === 'limit') return 'limit';
  if (plan.length > 0) await endSessions(steps, plan);
  return 'admitted';
}
