/**
 * The Lua scripts of the Redis store. Each touches exactly one key (KEYS[1]), so each runs in one
 * hash slot and works unchanged on Redis Cluster. `now` is always the app's clock (ARGV[1] or as
 * named), so "expired" means the same thing here as in core, whatever the server's clock says.
 *
 * Session hash fields: `m:u` userId (absent for anonymous), `m:c` createdAt, `m:l` lastSeenAt,
 * `m:e` expiresAt, `m:a` absoluteExpiresAt, `m:r` rev, and `d:<name>` per data key, so a data key
 * can never collide with a metadata field. Timestamps travel as decimal strings and are written
 * as received; Lua numbers are used only to compare them (doubles hold ms timestamps exactly).
 */
import { luaScript } from './driver.ts';

/** HSET/HDEL in chunks: `unpack` of thousands of arguments would overflow Lua's C stack. */
const CHUNK = 200;

/** ARGV: now, expiresAt, field, value, … → 1 created, 0 a live record holds the key. */
export const CREATE = luaScript(`
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
 * nSet field/value pairs, then fields to delete.
 * → {0} when missing or expired; else {1, hadUser (0|1), previousUserId, absoluteExpiresAt}.
 */
export const UPDATE = luaScript(`
local key = KEYS[1]
local e = redis.call('HGET', key, 'm:e')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return {0} end
local old = redis.call('HGET', key, 'm:u')
local setEnd = 6 + 2 * tonumber(ARGV[6])
for i = 7, setEnd, ${CHUNK} do
  redis.call('HSET', key, unpack(ARGV, i, math.min(i + ${CHUNK - 1}, setEnd)))
end
for i = setEnd + 1, #ARGV, ${CHUNK} do
  redis.call('HDEL', key, unpack(ARGV, i, math.min(i + ${CHUNK - 1}, #ARGV)))
end
redis.call('HSET', key, 'm:l', ARGV[3], 'm:e', ARGV[2])
if ARGV[4] == 's' then
  redis.call('HSET', key, 'm:u', ARGV[5])
elseif ARGV[4] == 'c' then
  redis.call('HDEL', key, 'm:u')
end
redis.call('HINCRBY', key, 'm:r', 1)
redis.call('PEXPIREAT', key, ARGV[2])
local absolute = redis.call('HGET', key, 'm:a')
if old then return {1, 1, old, absolute} end
return {1, 0, '', absolute}
`);

/** ARGV: now, expiresAt, lastSeenAt → 1 touched, 0 missing or expired. */
export const TOUCH = luaScript(`
local e = redis.call('HGET', KEYS[1], 'm:e')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'm:l', ARGV[3], 'm:e', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`);

/** No ARGV → {0} when missing; {1, hadUser, userId} when deleted (the caller unindexes it). */
export const DELETE = luaScript(`
local u = redis.call('HGET', KEYS[1], 'm:u')
if redis.call('DEL', KEYS[1]) == 0 then return {0} end
if u then return {1, 1, u} end
return {1, 0, ''}
`);

/**
 * ARGV: userId, now → -1 when the session is missing or owned by someone else (left alone);
 * else deletes it and returns 1 when it was live, 0 when it was already expired.
 */
export const DELETE_OWNED = luaScript(`
local u = redis.call('HGET', KEYS[1], 'm:u')
if u ~= ARGV[1] then return -1 end
local e = redis.call('HGET', KEYS[1], 'm:e')
redis.call('DEL', KEYS[1])
if e and tonumber(e) > tonumber(ARGV[2]) then return 1 end
return 0
`);

/**
 * User index (a sorted set: member = session key, score = when it was added, app clock).
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
 * added later may belong to a create or login still in flight, so it stays. Returns how many went.
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
