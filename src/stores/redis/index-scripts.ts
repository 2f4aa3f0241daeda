/**
 * The Lua scripts on one user's index key (a sorted set: member = session key, score = when it
 * was added, app clock; a negative score marks a session an eviction is ending). Each touches only
 * KEYS[1], so it runs in the index's own slot on Redis Cluster. See `user-index.ts`.
 */
import { luaScript } from './driver.ts';

/**
 * ARGV: member, addedAt, ttlMs → adds it and extends (never shortens) the index key's TTL.
 */
export const INDEX_ADD = luaScript(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local want = tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < want then redis.call('PEXPIRE', KEYS[1], want) end
return 1
`);

/**
 * ARGV: cutoff, member, … → removes the named members added at or before `cutoff`; a member
 * added later may belong to a move to this user still in flight, so it stays. Returns how many went.
 */
export const INDEX_PRUNE = luaScript(`
local removed = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[1]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
`);

/** How long an eviction may take to end its victims before the mark counts as stale. */
export const ENDING_GRACE_MS = 5_000;

/**
 * The user limit's one atomic decision. ARGV: now, max, mode ('r' reject | 'e' evictOldest),
 * member, ttlMs, replacing (the rotated-away key, or ''), verified ('0'|'1'), nDead, dead…,
 * nForwarders, forwarders…, nKeep, keep…, then the eviction candidates, least recently seen first.
 *
 * Removes the `dead` members (the caller saw their sessions gone or expired: final), then counts
 * every member except forwarders, `replacing` and `member` itself, and except victims an
 * eviction is ending right now: a member the caller has not seen (a parallel create just
 * admitted) counts as live, and so does a victim marked longer than {@link ENDING_GRACE_MS} ago
 * (its evictor died), which the caller's check then ends. `keep` members (another user's session
 * moving in) count but are never evicted.
 * Evicting takes the candidates in order, then, if parallel evictions took them, members the
 * caller has not seen, oldest first: evicting more can only lower the count, and so a checked
 * call always decides, however many admissions race it.
 * → {1, victim…} admitted (the victims' scores are made negative, so they count no more while the
 *   caller ends them); {0} refused ('reject', verified); {2, member, score, …} full by an
 *   unverified count, or nothing left to evict: the caller checks these members' sessions and
 *   asks again.
 */
export const ADMIT = luaScript(`
local idx = KEYS[1]
local now, max = tonumber(ARGV[1]), tonumber(ARGV[2])
local i = 8
for j = i + 1, i + tonumber(ARGV[i]) do redis.call('ZREM', idx, ARGV[j]) end
i = i + tonumber(ARGV[i]) + 1
local skip = {[ARGV[4]] = true, [ARGV[6]] = true}
for j = i + 1, i + tonumber(ARGV[i]) do skip[ARGV[j]] = true end
i = i + tonumber(ARGV[i]) + 1
local keep = {}
for j = i + 1, i + tonumber(ARGV[i]) do keep[ARGV[j]] = true end
i = i + tonumber(ARGV[i]) + 1
local all = redis.call('ZRANGE', idx, 0, -1, 'WITHSCORES')
local present, count = {}, 0
for j = 1, #all, 2 do
  local m, score = all[j], tonumber(all[j + 1])
  if score >= 0 then present[m] = true end
  if not skip[m] and (score >= 0 or -score < now - ${ENDING_GRACE_MS}) then count = count + 1 end
end
local victims = {}
if count >= max then
  if ARGV[7] ~= '1' then return {2, all} end
  if ARGV[3] == 'r' then return {0} end
  local chosen = {}
  local function take(v)
    if #victims <= count - max and present[v] and not skip[v] and not keep[v] and not chosen[v] then
      victims[#victims + 1] = v
      chosen[v] = true
    end
  end
  for j = i, #ARGV do take(ARGV[j]) end
  for j = 1, #all, 2 do take(all[j]) end
  if #victims <= count - max then return {2, all} end
  for _, v in ipairs(victims) do redis.call('ZADD', idx, -now, v) end
end
redis.call('ZADD', idx, now, ARGV[4])
if redis.call('PTTL', idx) < tonumber(ARGV[5]) then redis.call('PEXPIRE', idx, ARGV[5]) end
return {1, unpack(victims)}
`);
