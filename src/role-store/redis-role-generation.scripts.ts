/**
 * Lua scripts of a full sync's generations: begin, write, scan and hold removals, commit, drop;
 * and of the held removals afterwards: approve, reject (layout: redis-role-lua-lib.ts).
 */
import { withRoleLib } from './redis-role-lua-lib';

const script = withRoleLib;

/** KEYS: fence, meta, vpds set. ARGV: fence, base, vpd. Returns {generation, dropped}. */
export const BEGIN_GENERATION = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local base = ARGV[2]
local live = redis.call('HGET', KEYS[2], 'gen')
local gens = vkey(base, 'gens')
local dropped = 0
for _, g in ipairs(redis.call('SMEMBERS', gens)) do
  if g ~= live then
    dropgen(base, g)
    redis.call('SREM', gens, g)
    dropped = dropped + 1
  end
end
local gen = tostring(redis.call('HINCRBY', KEYS[2], 'genSeq', 1))
redis.call('SADD', gens, gen)
redis.call('HSET', KEYS[2], 'building', gen)
redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('SADD', KEYS[3], ARGV[3])
return { gen, dropped }`);

/** KEYS: fence, meta. ARGV: fence, base, gen, nowMs, progress JSON or '', rows... Returns {added, updated, unchanged, skipped}. */
export const WRITE_GENERATION = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local base, gen, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
if redis.call('HGET', KEYS[2], 'building') ~= gen then return redis.error_reply('NOT_BUILDING') end
local live = redis.call('HGET', KEYS[2], 'gen')
local pin = gkey(base, gen, 'pin')
local added, updated, unchanged, skipped = 0, 0, 0, 0
for i = 6, #ARGV do
  local r = cjson.decode(ARGV[i])
  if redis.call('SISMEMBER', pin, r[2]) == 1 then
    skipped = skipped + 1
  else
    putrow(base, gen, r, now)
    local old = nil
    if live then old = getrow(base, live, r[1]) end
    if not old then added = added + 1
    elseif same(old, r) then unchanged = unchanged + 1
    else updated = updated + 1 end
  end
end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[2], 'progress', ARGV[5]) end
return { added, updated, unchanged, skipped }`);

/** KEYS: meta. ARGV: base, gen, cursor, count. Returns {cursor, aid, emp, aid, emp, ...} of live rows missing from gen. */
export const SCAN_REMOVALS = script(`
local base, gen = ARGV[1], ARGV[2]
local live = redis.call('HGET', KEYS[1], 'gen')
if not live then return { '0' } end
local res = redis.call('HSCAN', gkey(base, live, 'aidx'), ARGV[3], 'COUNT', ARGV[4])
local out = { res[1] }
local target = gkey(base, gen, 'aidx')
local kv = res[2]
for i = 1, #kv, 2 do
  if redis.call('HEXISTS', target, kv[i]) == 0 then
    out[#out + 1] = kv[i]
    out[#out + 1] = kv[i + 1]
  end
end
return out`);

/** KEYS: fence, meta. ARGV: fence, base, gen, nowMs, assignment ids... Returns the number held. */
export const HOLD_REMOVALS = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local base, gen, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
if redis.call('HGET', KEYS[2], 'building') ~= gen then return redis.error_reply('NOT_BUILDING') end
local live = redis.call('HGET', KEYS[2], 'gen')
if not live then return 0 end
local held = 0
local target = gkey(base, gen, 'aidx')
for i = 5, #ARGV do
  local r = getrow(base, live, ARGV[i])
  if r and redis.call('HEXISTS', target, ARGV[i]) == 0 then
    putrow(base, gen, r, now)
    redis.call('HSET', gkey(base, gen, 'held'), r[1], r[2])
    held = held + 1
  end
end
return held`);

/** KEYS: fence, meta. ARGV: fence, base, gen, watermark, at, lastRun JSON, held '1'|'0'. Returns the previous live gen. */
export const COMMIT_GENERATION = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local base, gen, at = ARGV[2], ARGV[3], ARGV[5]
if redis.call('HGET', KEYS[2], 'building') ~= gen then return redis.error_reply('NOT_BUILDING') end
local old = redis.call('HGET', KEYS[2], 'gen')
redis.call('HSET', KEYS[2], 'gen', gen, 'watermark', ARGV[4], 'lastSuccessAt', at, 'lastFullSyncAt', at,
  'consecutiveFailures', 0, 'lastOutcome', 'succeeded', 'lastRun', ARGV[6])
redis.call('HDEL', KEYS[2], 'building', 'running', 'progress', 'lastError')
redis.call('HINCRBY', KEYS[2], 'seq', 1)
local held = vkey(base, 'held')
local building = gkey(base, gen, 'held')
if ARGV[7] == '1' and redis.call('EXISTS', building) == 1 then
  redis.call('RENAME', building, held)
  redis.call('HSET', KEYS[2], 'heldRemovals', redis.call('HLEN', held), 'heldSince', at)
else
  redis.call('UNLINK', held, building)
  redis.call('HSET', KEYS[2], 'heldRemovals', 0)
  redis.call('HDEL', KEYS[2], 'heldSince')
end
redis.call('UNLINK', gkey(base, gen, 'pin'))
return old`);

/**
 * KEYS: meta, fence. ARGV: base, gen, fence or ''. Drops a generation that is not live; the one being
 * built only with a current fencing token (a run abandoning its own build).
 */
export const DROP_GENERATION = script(`
local base, gen = ARGV[1], ARGV[2]
local meta = redis.call('HMGET', KEYS[1], 'gen', 'building')
if gen == meta[1] then return 0 end
if gen == meta[2] then
  if ARGV[3] == '' or not fence_ok(KEYS[2], ARGV[3]) then return 0 end
  redis.call('HDEL', KEYS[1], 'building')
end
dropgen(base, gen)
redis.call('SREM', vkey(base, 'gens'), gen)
return 1`);

/** KEYS: fence, meta. ARGV: fence, base, count. Returns {removed, remaining}. */
export const APPROVE_HELD = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local base, count = ARGV[2], tonumber(ARGV[3])
local held = vkey(base, 'held')
local live = redis.call('HGET', KEYS[2], 'gen')
local ids = {}
local cursor = '0'
repeat
  local res = redis.call('HSCAN', held, cursor, 'COUNT', count)
  cursor = res[1]
  for i = 1, #res[2], 2 do ids[#ids + 1] = res[2][i] end
until cursor == '0' or #ids >= count
local removed = 0
for i = 1, math.min(#ids, count) do
  local aid = ids[i]
  if live and delrow(base, live, aid) then removed = removed + 1 end
  redis.call('HDEL', held, aid)
end
local remaining = redis.call('HLEN', held)
redis.call('HSET', KEYS[2], 'heldRemovals', remaining)
if remaining == 0 then redis.call('HDEL', KEYS[2], 'heldSince') end
redis.call('HINCRBY', KEYS[2], 'seq', 1)
return { removed, remaining }`);

/** KEYS: fence, meta. ARGV: fence, base. Returns how many were held. */
export const REJECT_HELD = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local held = vkey(ARGV[2], 'held')
local n = redis.call('HLEN', held)
redis.call('UNLINK', held)
redis.call('HSET', KEYS[2], 'heldRemovals', 0)
redis.call('HDEL', KEYS[2], 'heldSince')
return n`);
