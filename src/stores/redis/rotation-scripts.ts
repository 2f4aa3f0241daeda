/**
 * The three one-key scripts of a rotation (see `rotation.ts` for the protocol). They run on the
 * old key's slot; the new record is written in between by `CREATE`, on the new key's slot.
 *
 * A claim is `m:n` = the new key plus `m:t` = until when it holds, read from the server's clock
 * (`TIME`): every script that judges a claim runs on the one node that owns the old key, so app
 * processes with skewed clocks still agree on whether it has lapsed.
 */
import { luaScript } from './driver.ts';
import { SERVER_MS } from './scripts.ts';

/**
 * Step (a). ARGV: now, newKey, claimMs →
 * {'claimed', HGETALL} after claiming a live, unclaimed record (the reply is the data the new
 * record starts from); {'wait', ms} while another rotation's claim holds; {'superseded'} for a
 * forwarder (another rotation finished); {'gone'} when there is no live record.
 */
export const CLAIM = luaScript(`
local key = KEYS[1]
if redis.call('HEXISTS', key, 'f:s') == 1 then return {'superseded'} end
local e = redis.call('HGET', key, 'm:e')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return {'gone'} end
${SERVER_MS}
local claim = redis.call('HGET', key, 'm:t')
if claim and tonumber(claim) > clock then return {'wait', tonumber(claim) - clock} end
redis.call('HSET', key, 'm:n', ARGV[2], 'm:t', string.format('%d', clock + tonumber(ARGV[3])))
return {'claimed', redis.call('HGETALL', key)}
`);

/**
 * Step (c). ARGV: newKey, readableUntil, forwardWrites ('1'|'0'), forwardUntil, now →
 * 'rotated' when the claim for newKey still holds: the record becomes the forwarder (expiring at
 * forwardUntil; simply deleted when that has passed). Otherwise nothing is written and the answer
 * says why: 'gone' (deleted or expired meanwhile: the caller removes the new record), 'superseded'
 * (another rotation broke the lapsed claim and finished), 'retry' (a write broke the lapsed claim,
 * so the snapshot is stale: the caller removes the new record and starts again).
 */
export const FORWARD = luaScript(`
local key = KEYS[1]
if redis.call('HGET', key, 'm:n') == ARGV[1] then
  local u = redis.call('HGET', key, 'm:u')
  redis.call('DEL', key)
  if tonumber(ARGV[4]) > tonumber(ARGV[5]) then
    redis.call('HSET', key, 'f:s', ARGV[1], 'f:r', ARGV[2], 'f:w', ARGV[3])
    if u then redis.call('HSET', key, 'f:u', u) end
    redis.call('PEXPIREAT', key, ARGV[4])
  end
  return 'rotated'
end
if redis.call('HEXISTS', key, 'f:s') == 1 then return 'superseded' end
local e = redis.call('HGET', key, 'm:e')
if e and tonumber(e) > tonumber(ARGV[5]) then return 'retry' end
return 'gone'
`);

/** Abandons a claim (the limit refused the rotation). ARGV: newKey → 1 released, 0 not ours (any more). */
export const RELEASE = luaScript(`
if redis.call('HGET', KEYS[1], 'm:n') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'm:n', 'm:t')
return 1
`);
