/**
 * The Lua scripts on one session key. Each touches exactly one key (KEYS[1]), so each runs in one
 * hash slot and works unchanged on Redis Cluster. `now` is always the app's clock (ARGV[1] or as
 * named), so "expired" means the same thing here as in core, whatever the server's clock says.
 *
 * A session key's hash is one of:
 * - a record: `m:u` userId (absent for anonymous), `m:c` createdAt, `m:l` lastSeenAt, `m:e`
 *   expiresAt, `m:a` absoluteExpiresAt, `m:r` rev, and `d:<name>` per data key, so a data key can
 *   never collide with a metadata field; while a rotation is under way also `m:n` (the key it is
 *   moving to) and `m:t` (until when that claim holds, server clock). See `rotation-scripts.ts`.
 * - a forwarder, once rotated away: `f:s` successor, `f:r` readableUntil, `f:w` forwardWrites
 *   ('1' | '0'), `f:u` the old record's userId; no `m:e`, so no record script takes it for live.
 * Timestamps travel as decimal strings and are written as received; Lua numbers are used only to
 * compare them (doubles hold ms timestamps exactly).
 */
import { luaScript } from './driver.ts';

/** The server's clock in ms, inside a script: claims are judged by one clock, the old key's node's. */
export const SERVER_MS = `local t = redis.call('TIME')
local clock = t[1] * 1000 + math.floor(t[2] / 1000)`;

/** HSET/HDEL in chunks: `unpack` of thousands of arguments would overflow Lua's C stack. */
const CHUNK = 200;

/**
 * ARGV: now, expiresAt, field, value, … → 1 created; 0 a live record or a forwarder holds the key
 * (a rotated-away key stays taken while it is remembered).
 */
export const CREATE = luaScript(`
if redis.call('HEXISTS', KEYS[1], 'f:s') == 1 then return 0 end
local e = redis.call('HGET', KEYS[1], 'm:e')
if e and tonumber(e) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, ${CHUNK} do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + ${CHUNK - 1}, #ARGV)))
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`);

/**
 * ARGV: now, expiresAt, lastSeenAt, userMode ('k' keep | 's' set | 'c' clear), userId, nSet,
 * nSet field/value pairs, then fields to delete. An empty expiresAt keeps the window as it is
 * (`updateData`, a blind write: its caller never read the record, so it has no window to set).
 * → {0} when missing, expired, or a forwarder that refuses writes;
 *   {1, hadUser (0|1), previousUserId, absoluteExpiresAt} when applied;
 *   {2, ms} while a rotation's claim holds (its snapshot is taken: a write now would be lost);
 *   {3, successor} for a forwarder that accepts writes (the caller follows it).
 * A claim past its deadline (the rotator died or stalled) is broken, and the write applies here.
 */
export const UPDATE = luaScript(`
local key = KEYS[1]
local e = redis.call('HGET', key, 'm:e')
if not e then
  local s = redis.call('HGET', key, 'f:s')
  if s and redis.call('HGET', key, 'f:w') == '1' then return {3, s} end
  return {0}
end
if tonumber(e) <= tonumber(ARGV[1]) then return {0} end
local claim = redis.call('HGET', key, 'm:t')
if claim then
  ${SERVER_MS}
  local left = tonumber(claim) - clock
  if left > 0 then return {2, left} end
  redis.call('HDEL', key, 'm:n', 'm:t')
end
local old = redis.call('HGET', key, 'm:u')
local setEnd = 6 + 2 * tonumber(ARGV[6])
for i = 7, setEnd, ${CHUNK} do
  redis.call('HSET', key, unpack(ARGV, i, math.min(i + ${CHUNK - 1}, setEnd)))
end
for i = setEnd + 1, #ARGV, ${CHUNK} do
  redis.call('HDEL', key, unpack(ARGV, i, math.min(i + ${CHUNK - 1}, #ARGV)))
end
if ARGV[2] ~= '' then redis.call('HSET', key, 'm:l', ARGV[3], 'm:e', ARGV[2]) end
if ARGV[4] == 's' then
  redis.call('HSET', key, 'm:u', ARGV[5])
elseif ARGV[4] == 'c' then
  redis.call('HDEL', key, 'm:u')
end
redis.call('HINCRBY', key, 'm:r', 1)
if ARGV[2] ~= '' then redis.call('PEXPIREAT', key, ARGV[2]) end
local absolute = redis.call('HGET', key, 'm:a')
if old then return {1, 1, old, absolute} end
return {1, 0, '', absolute}
`);

/**
 * ARGV: now, expiresAt, lastSeenAt → 1 touched, 0 missing, expired or a forwarder. A claimed
 * record is touched (its data is not changed, so the rotation's snapshot stays exact).
 */
export const TOUCH = luaScript(`
local e = redis.call('HGET', KEYS[1], 'm:e')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'm:l', ARGV[3], 'm:e', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`);

/**
 * Ends whatever the key holds. No ARGV → {0} when missing; else
 * {1, wasRecord (0|1), hasOwner (0|1), owner, successor or ''}: the successor of a claim (`m:n`)
 * or of a forwarder (`f:s`), which the caller ends next. Deleting a claimed record is what makes
 * the rotation's last step fail, so ending the key and then its successor is race-free.
 */
export const DELETE = luaScript(`
local h = redis.call('HMGET', KEYS[1], 'm:e', 'm:u', 'f:u', 'm:n', 'f:s')
if redis.call('DEL', KEYS[1]) == 0 then return {0} end
local owner = h[2] or h[3]
return {1, h[1] and 1 or 0, owner and 1 or 0, owner or '', h[4] or h[5] or ''}
`);

/**
 * ARGV: userId, now → {-1} when the key is missing or another user's (left alone); else ends it
 * (a record or a forwarder of this user) and returns {1 if it was a live record else 0, successor or ''}.
 */
export const DELETE_OWNED = luaScript(`
local h = redis.call('HMGET', KEYS[1], 'm:u', 'f:u', 'm:e', 'm:n', 'f:s')
if (h[1] or h[2]) ~= ARGV[1] then return {-1} end
redis.call('DEL', KEYS[1])
local live = h[3] and tonumber(h[3]) > tonumber(ARGV[2])
return {live and 1 or 0, h[4] or h[5] or ''}
`);
