/**
 * The decision behind {@link UserLimit}, for stores that evaluate it in their own process inside
 * their atomic step (memory, filesystem under its lock, SQL inside a transaction).
 */
import type { UserLimit } from '../../core/store.ts';

/** A live session of the user, as much as the limit needs to know of it. */
export interface LimitCandidate {
  readonly key: string;
  readonly lastSeenAt: number;
}

/**
 * What adding one session for a user with `live` sessions (the one being replaced by a rotation
 * left out) must do: `'limit'` to refuse it, or the keys to end first, least recently seen first
 * (empty when it fits).
 */
export function planUserLimit(live: readonly LimitCandidate[], limit: UserLimit): 'limit' | string[] {
  const excess = live.length - limit.max + 1;
  if (excess <= 0) return [];
  if (limit.onLimit === 'reject') return 'limit';
  return [...live]
    .sort((a, b) => a.lastSeenAt - b.lastSeenAt)
    .slice(0, excess)
    .map((entry) => entry.key);
}
