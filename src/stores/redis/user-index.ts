/**
 * The per-user index: one sorted set per user (`<prefix>u:<userId>`), member = store key,
 * score = when the member was added (app clock).
 *
 * On Redis Cluster a user's set and that user's sessions live in different hash slots, and a
 * session can change owner, so no hash tag can keep them together. Index maintenance is therefore
 * a separate one-key operation, ordered so that a crash or a race leaves at worst a *dangling*
 * member (a member whose session is gone or now belongs to someone else), never a live session
 * missing from its owner's set: the member is added before the session is created or moved to the
 * user, and removed only after the session was deleted or moved away. Every read verifies each
 * member against its session (owner and expiry), and dangling members are pruned lazily by
 * `listByUser`, `deleteByUser` and `purgeExpired` once they are older than {@link PRUNE_GRACE_MS}
 * (a younger one may belong to a create or login still in flight).
 */
import type { RedisDriver } from './driver.ts';
import { INDEX_ADD, INDEX_PRUNE } from './scripts.ts';

/** How old a dangling member must be before it may be pruned. */
export const PRUNE_GRACE_MS = 60_000;

/** One member of a user's set with its score. */
export interface IndexMember {
  readonly key: string;
  readonly addedAt: number;
}

export function userIndex(driver: RedisDriver, prefix: string) {
  const indexKey = (userId: string) => `${prefix}u:${userId}`;
  return {
    indexKey,
    /** Adds `key` to the user's set and keeps the set alive at least until `deadline` (ms). */
    add(userId: string, key: string, deadline: number): Promise<unknown> {
      const now = Date.now();
      const ttl = Math.max(1, Math.ceil(deadline - now));
      return driver.script(INDEX_ADD, indexKey(userId), [key, String(now), String(ttl)]);
    },
    remove(userId: string, key: string): Promise<unknown> {
      return driver.command(indexKey(userId), ['ZREM', indexKey(userId), key]);
    },
    async members(userId: string): Promise<IndexMember[]> {
      const index = indexKey(userId);
      const reply = (await driver.command(index, ['ZRANGE', index, '0', '-1', 'WITHSCORES'])) as unknown[];
      return membersOf(reply);
    },
    /** Removes dangling members, sparing those added within the grace period. */
    async prune(userIdOrIndexKey: { userId: string } | { index: string }, keys: string[]): Promise<void> {
      if (keys.length === 0) return;
      const index = 'index' in userIdOrIndexKey ? userIdOrIndexKey.index : indexKey(userIdOrIndexKey.userId);
      const cutoff = String(Date.now() - PRUNE_GRACE_MS);
      await driver.script(INDEX_PRUNE, index, [cutoff, ...keys]);
    },
  };
}

export type UserIndex = ReturnType<typeof userIndex>;

/** ZRANGE … WITHSCORES as members: a flat [member, score, …] list (RESP2) or [member, score] pairs (RESP3). */
export function membersOf(reply: unknown[]): IndexMember[] {
  const members: IndexMember[] = [];
  if (reply.length > 0 && Array.isArray(reply[0])) {
    for (const pair of reply as unknown[][]) members.push({ key: String(pair[0]), addedAt: Number(pair[1]) });
    return members;
  }
  for (let i = 0; i + 1 < reply.length; i += 2) {
    members.push({ key: String(reply[i]), addedAt: Number(reply[i + 1]) });
  }
  return members;
}
