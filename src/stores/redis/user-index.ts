/**
 * The per-user index: one sorted set per user (`<prefix>u:<userId>`), member = store key,
 * score = when the member was added (app clock), negative while an eviction is ending it.
 *
 * On Redis Cluster a user's set and that user's sessions live in different hash slots, and a
 * session can change owner, so no hash tag can keep them together. Index maintenance is therefore
 * a separate one-key operation, and the set is the one source of truth for "this user's sessions"
 * (the user limit is decided by one script on it, `ADMIT`). Two orders keep it honest:
 * - A new session (create, rotation) is indexed right *after* its hash is written. Until then its
 *   key has not been handed to anyone, so nobody can miss it; and so a member whose hash is
 *   missing or expired is dead for good, and the admission drops it at once.
 * - A live session moving to a user is indexed *before* the move, and leaves a set only after it
 *   was deleted or moved away, so a crash leaves at worst a *dangling* member (its session now
 *   another user's), never a reachable session missing from its owner's set.
 * A rotated-away key stays a member of its old owner's set while it forwards, so `deleteByUser`
 * can end what it moved to. Every read verifies each member against its hash (owner, expiry,
 * forwarder), and dangling members are pruned lazily by `listByUser`, `deleteByUser` and
 * `purgeExpired` once older than {@link PRUNE_GRACE_MS} (a younger one may belong to a move in flight).
 */
import type { RedisDriver } from './driver.ts';
import { INDEX_ADD, INDEX_PRUNE } from './index-scripts.ts';

/** How old a dangling member must be before it may be pruned. */
export const PRUNE_GRACE_MS = 60_000;

/** One member of a user's set with its score. */
export interface IndexMember {
  readonly key: string;
  readonly addedAt: number;
}

/** What an index member's key holds, as far as the index cares (see {@link memberState}). */
export type MemberState =
  | { readonly kind: 'live'; readonly owner: string | null; readonly lastSeenAt: number }
  | { readonly kind: 'forward'; readonly owner: string | null }
  | { readonly kind: 'dead' };

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

/** Reads what the session hash `name` holds (one HMGET): a live record, a forwarder, or nothing live. */
export async function memberState(driver: RedisDriver, name: string, now: number): Promise<MemberState> {
  const [expiresAt, lastSeenAt, owner, successor, forwardOwner] = (await driver.command(name, [
    'HMGET',
    name,
    'm:e',
    'm:l',
    'm:u',
    'f:s',
    'f:u',
  ])) as unknown[];
  if (successor != null)
    return { kind: 'forward', owner: forwardOwner == null ? null : String(forwardOwner) };
  if (expiresAt == null || !(Number(expiresAt) > now)) return { kind: 'dead' };
  return { kind: 'live', owner: owner == null ? null : String(owner), lastSeenAt: Number(lastSeenAt) };
}

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
