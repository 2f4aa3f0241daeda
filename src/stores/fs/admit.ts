/**
 * The filesystem store's user limit: counted from the session files, decided by the shared
 * {@link planUserLimit}, applied by eviction.
 */
import type { UserLimit } from '../../core/store.ts';
import { STORE_KEY_PATTERN } from '../shared/store-key.ts';
import { type LimitCandidate, planUserLimit } from '../shared/user-limit.ts';
import { evict } from './endings.ts';
import { type FsParts, isLive } from './session-files.ts';

/**
 * Makes room for one more session of `userId` under `limit`, or refuses. The caller holds the
 * user's lock, which every operation that adds a session to a user takes: the count read here
 * can only fall before the insert that follows (a delete or an expiry, never a new session),
 * so checking and inserting are one atomic step for every caller that respects the limit.
 * @param replacing the key a rotation moves away from: it does not count against the limit.
 * @returns `'limit'` when the limit refuses; `true` once the least recently seen are ended.
 */
export async function admit(
  parts: FsParts,
  userId: string,
  limit: UserLimit,
  replacing?: string,
): Promise<true | 'limit'> {
  const live: LimitCandidate[] = [];
  // Markers may be stale (a crash between writes): the session file is the truth.
  for (const key of await parts.files.users.keys(userId)) {
    if (key === replacing || !STORE_KEY_PATTERN.test(key)) continue;
    const record = await parts.files.record(key);
    if (record?.userId === userId && isLive(record)) live.push({ key, lastSeenAt: record.lastSeenAt });
  }
  const plan = planUserLimit(live, limit);
  if (plan === 'limit') return 'limit';
  for (const victim of plan) await evict(parts, userId, victim);
  return true;
}
