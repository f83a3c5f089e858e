/** Lua scripts of incremental changes to the live generation: stage, apply, replace whole records (layout: redis-role-lua-lib.ts). */
import { withRoleLib } from './redis-role-lua-lib';

const script = withRoleLib;

/** KEYS: fence, stage key. ARGV: fence, ttlMs, field, value, ... */
export const STAGE_CHANGES = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`);

/**
 * KEYS: fence, the stage key (any key when there is no stage), the VPD's family. ARGV: fence, nowMs,
 * watermark, at, lastRun JSON, stageId or '', hold '1'|'0', then op/payload pairs ('u', row JSON |
 * 'd', assignment id). With hold, a delete of a row that was live before this apply joins the held
 * removals instead. Returns {added, updated, removed, unchanged, held}.
 */
export const APPLY_CHANGES = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local f = family(3)
local now = tonumber(ARGV[2])
local meta = f.meta
local L = genof(f, redis.call('HGET', meta, 'gen'))
if not L then return redis.error_reply('NOT_SYNCED') end
local hold = ARGV[7] == '1'
local fresh = {}
local added, updated, removed, unchanged, held = 0, 0, 0, 0, 0
local function apply(op, payload)
  if op == 'd' then
    local emp = redis.call('HGET', L.aidx, payload)
    if hold and emp and not fresh[payload] then
      held = held + redis.call('HSET', f.held, payload, emp)
      return
    end
    if delrow(L, payload) then removed = removed + 1 end
    unhold(f, payload)
    return
  end
  local r = cjson.decode(payload)
  local old = getrow(L, r[1])
  if old and older(r, old) then
    unchanged = unchanged + 1
    return
  end
  putrow(L, r, now)
  unhold(f, r[1])
  if not old then
    added = added + 1
    fresh[r[1]] = true
  elseif same(old, r) then unchanged = unchanged + 1
  else updated = updated + 1 end
end
if ARGV[6] ~= '' then
  local stage = KEYS[2]
  local all = redis.call('HGETALL', stage)
  for i = 1, #all, 2 do
    local v = all[i + 1]
    if string.sub(v, 1, 1) == 'd' then apply('d', all[i]) else apply('u', string.sub(v, 2)) end
  end
  redis.call('UNLINK', stage)
end
for i = 8, #ARGV, 2 do apply(ARGV[i], ARGV[i + 1]) end
local run = cjson.decode(ARGV[5])
run.added, run.updated, run.removed, run.held = added, updated, removed, held
if held > 0 then run.outcome = 'held' end
local lastRun = cjson.encode(run)
local left = redis.call('HLEN', f.held)
redis.call('HSET', meta, 'heldRemovals', left)
if left > 0 and redis.call('HEXISTS', meta, 'heldSince') == 0 then
  redis.call('HSET', meta, 'heldSince', ARGV[4], 'heldRun', lastRun)
end
redis.call('HSET', meta, 'watermark', ARGV[3], 'lastSuccessAt', ARGV[4], 'consecutiveFailures', 0,
  'lastOutcome', 'succeeded', 'lastRun', lastRun)
redis.call('HDEL', meta, 'running', 'progress', 'lastError')
redis.call('HINCRBY', meta, 'seq', 1)
return { added, updated, removed, unchanged, held }`);

/**
 * KEYS: the VPD's family. ARGV: expectedSeq, nowMs, then per person: employee number, row count, rows...
 * Returns 'applied', 'conflict' or 'not-synced'.
 */
export const REPLACE_RECORDS = script(`
local f = family(1)
local now = tonumber(ARGV[2])
local m = redis.call('HMGET', f.meta, 'gen', 'building', 'seq')
local live, building = m[1], m[2]
if not live and not building then return 'not-synced' end
if tonumber(m[3] or '0') ~= tonumber(ARGV[1]) then return 'conflict' end
local targets = {}
if live then targets[#targets + 1] = live end
if building and building ~= live then targets[#targets + 1] = building end
local i = 3
while i <= #ARGV do
  local emp = ARGV[i]
  local n = tonumber(ARGV[i + 1])
  local rows = {}
  local keep = {}
  for k = 1, n do
    rows[k] = cjson.decode(ARGV[i + 1 + k])
    keep[rows[k][1]] = true
  end
  i = i + 2 + n
  for _, g in ipairs(targets) do
    local G = genof(f, g)
    -- ESR was asked again for this person: none of their rows' removals stays held.
    local function release(aid)
      if g == live then unhold(f, aid) else redis.call('HDEL', G.held, aid) end
    end
    local raw = redis.call('HGET', G.rows, emp)
    if raw then
      for _, old in ipairs(cjson.decode(raw)) do
        release(old[1])
        if not keep[old[1]] then delrow(G, old[1]) end
      end
    end
    for _, r in ipairs(rows) do
      local old = getrow(G, r[1])
      if not (old and older(r, old)) then putrow(G, r, now) end
      release(r[1])
    end
    if g ~= live then redis.call('SADD', G.pin, emp) end
  end
end
return 'applied'`);
