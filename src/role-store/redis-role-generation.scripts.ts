/**
 * Lua scripts of a full sync's generations: begin, write, scan and hold removals, commit, drop;
 * and of the held removals afterwards: approve, reject (layout: redis-role-lua-lib.ts).
 */
import { withRoleLib } from './redis-role-lua-lib';

const script = withRoleLib;

/** KEYS: fence, vpds set, the VPD's family. ARGV: fence, vpd. Returns {generation, dropped}. */
export const BEGIN_GENERATION = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local f = family(3)
local live = redis.call('HGET', f.meta, 'gen')
local liveslot = nil
local dropped = 0
local all = redis.call('HGETALL', f.gens)
for i = 1, #all, 2 do
  if all[i] ~= live then
    dropgen(f.slots[all[i + 1]])
    redis.call('HDEL', f.gens, all[i])
    dropped = dropped + 1
  else
    liveslot = all[i + 1]
  end
end
local slot = SLOTS[1]
if liveslot == SLOTS[1] then slot = SLOTS[2] end
dropgen(f.slots[slot])
local gen = tostring(redis.call('HINCRBY', f.meta, 'genSeq', 1))
redis.call('HSET', f.gens, gen, slot)
redis.call('HSET', f.meta, 'building', gen)
redis.call('HINCRBY', f.meta, 'seq', 1)
redis.call('SADD', KEYS[2], ARGV[2])
return { gen, dropped }`);

/** KEYS: fence, the VPD's family. ARGV: fence, gen, nowMs, progress JSON or '', rows... Returns {added, updated, unchanged, skipped}. */
export const WRITE_GENERATION = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local f = family(2)
local gen, now = ARGV[2], tonumber(ARGV[3])
if redis.call('HGET', f.meta, 'building') ~= gen then return redis.error_reply('NOT_BUILDING') end
local G = genof(f, gen)
local L = genof(f, redis.call('HGET', f.meta, 'gen'))
local added, updated, unchanged, skipped = 0, 0, 0, 0
for i = 5, #ARGV do
  local r = cjson.decode(ARGV[i])
  if redis.call('SISMEMBER', G.pin, r[2]) == 1 then
    skipped = skipped + 1
  else
    putrow(G, r, now)
    local old = nil
    if L then old = getrow(L, r[1]) end
    if not old then added = added + 1
    elseif same(old, r) then unchanged = unchanged + 1
    else updated = updated + 1 end
  end
end
if ARGV[4] ~= '' then redis.call('HSET', f.meta, 'progress', ARGV[4]) end
return { added, updated, unchanged, skipped }`);

/**
 * KEYS: the seen list of gen (a dry run's), the VPD's family. ARGV: gen, cursor, count. Returns
 * {cursor, aid, emp, aid, emp, ...} of live rows missing from gen (a generation, else the seen list).
 */
export const SCAN_REMOVALS = script(`
local f = family(2)
local L = genof(f, redis.call('HGET', f.meta, 'gen'))
if not L then return { '0' } end
local res = redis.call('HSCAN', L.aidx, ARGV[2], 'COUNT', ARGV[3])
local out = { res[1] }
local target = KEYS[1]
local G = genof(f, ARGV[1])
if G then target = G.aidx end
local kv = res[2]
for i = 1, #kv, 2 do
  if redis.call('HEXISTS', target, kv[i]) == 0 then
    out[#out + 1] = kv[i]
    out[#out + 1] = kv[i + 1]
  end
end
return out`);

/** KEYS: fence, the VPD's family. ARGV: fence, gen, nowMs, assignment ids... Returns the number held. */
export const HOLD_REMOVALS = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local f = family(2)
local gen, now = ARGV[2], tonumber(ARGV[3])
if redis.call('HGET', f.meta, 'building') ~= gen then return redis.error_reply('NOT_BUILDING') end
local L = genof(f, redis.call('HGET', f.meta, 'gen'))
if not L then return 0 end
local G = genof(f, gen)
local held = 0
for i = 4, #ARGV do
  local r = getrow(L, ARGV[i])
  if r and redis.call('HEXISTS', G.aidx, ARGV[i]) == 0 then
    putrow(G, r, now)
    redis.call('HSET', G.held, r[1], r[2])
    held = held + 1
  end
end
return held`);

/** KEYS: fence, the VPD's family. ARGV: fence, gen, watermark, at, lastRun JSON, held '1'|'0'. Returns the previous live gen. */
export const COMMIT_GENERATION = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local f = family(2)
local gen, at = ARGV[2], ARGV[4]
if redis.call('HGET', f.meta, 'building') ~= gen then return redis.error_reply('NOT_BUILDING') end
local G = genof(f, gen)
local old = redis.call('HGET', f.meta, 'gen')
redis.call('HSET', f.meta, 'gen', gen, 'watermark', ARGV[3], 'lastSuccessAt', at, 'lastFullSyncAt', at,
  'consecutiveFailures', 0, 'lastOutcome', 'succeeded', 'lastRun', ARGV[5])
redis.call('HDEL', f.meta, 'building', 'running', 'progress', 'lastError')
redis.call('HINCRBY', f.meta, 'seq', 1)
if ARGV[6] == '1' and redis.call('EXISTS', G.held) == 1 then
  redis.call('RENAME', G.held, f.held)
  redis.call('HSET', f.meta, 'heldRemovals', redis.call('HLEN', f.held))
  -- An unbroken hold keeps its start and the run that began it.
  if redis.call('HEXISTS', f.meta, 'heldSince') == 0 then redis.call('HSET', f.meta, 'heldSince', at, 'heldRun', ARGV[5]) end
else
  redis.call('UNLINK', f.held, G.held)
  redis.call('HSET', f.meta, 'heldRemovals', 0)
  redis.call('HDEL', f.meta, 'heldSince', 'heldRun')
end
redis.call('UNLINK', G.pin)
return old`);

/**
 * KEYS: fence (the meta key when there is none), the seen list of gen, the VPD's family. ARGV: gen,
 * fence or ''. Drops a generation (or a dry run's seen list) that is not live; the one being built
 * only with a current fencing token (a run abandoning its own build).
 */
export const DROP_GENERATION = script(`
local f = family(3)
local gen = ARGV[1]
local meta = redis.call('HMGET', f.meta, 'gen', 'building')
if gen == meta[1] then return 0 end
if gen == meta[2] then
  if ARGV[2] == '' or not fence_ok(KEYS[1], ARGV[2]) then return 0 end
  redis.call('HDEL', f.meta, 'building')
end
local G = genof(f, gen)
if G then dropgen(G) end
redis.call('UNLINK', KEYS[2])
redis.call('HDEL', f.gens, gen)
return 1`);

/** KEYS: fence, the VPD's family. ARGV: fence, count. Returns {removed, remaining}. */
export const APPROVE_HELD = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local f = family(2)
local count = tonumber(ARGV[2])
local L = genof(f, redis.call('HGET', f.meta, 'gen'))
local ids = {}
local cursor = '0'
repeat
  local res = redis.call('HSCAN', f.held, cursor, 'COUNT', count)
  cursor = res[1]
  for i = 1, #res[2], 2 do ids[#ids + 1] = res[2][i] end
until cursor == '0' or #ids >= count
local removed = 0
for i = 1, math.min(#ids, count) do
  local aid = ids[i]
  if L and delrow(L, aid) then removed = removed + 1 end
  redis.call('HDEL', f.held, aid)
end
local remaining = redis.call('HLEN', f.held)
redis.call('HSET', f.meta, 'heldRemovals', remaining)
if remaining == 0 then redis.call('HDEL', f.meta, 'heldSince', 'heldRun') end
redis.call('HINCRBY', f.meta, 'seq', 1)
return { removed, remaining }`);

/** KEYS: fence, the VPD's family. ARGV: fence. Returns how many were held. */
export const REJECT_HELD = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local f = family(2)
local n = redis.call('HLEN', f.held)
redis.call('UNLINK', f.held)
redis.call('HSET', f.meta, 'heldRemovals', 0)
redis.call('HDEL', f.meta, 'heldSince', 'heldRun')
return n`);
