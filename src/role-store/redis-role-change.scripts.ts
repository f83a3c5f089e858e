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
 * KEYS: fence, meta. ARGV: fence, base, nowMs, watermark, at, lastRun JSON, stageId or '', then
 * op/payload pairs ('u', row JSON | 'd', assignment id). Returns {added, updated, removed, unchanged}.
 */
export const APPLY_CHANGES = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local base, now = ARGV[2], tonumber(ARGV[3])
local meta = KEYS[2]
local live = redis.call('HGET', meta, 'gen')
if not live then return redis.error_reply('NOT_SYNCED') end
local added, updated, removed, unchanged = 0, 0, 0, 0
local function apply(op, payload)
  if op == 'd' then
    if delrow(base, live, payload) then removed = removed + 1 end
    unhold(base, meta, payload)
    return
  end
  local r = cjson.decode(payload)
  local old = getrow(base, live, r[1])
  if old and older(r, old) then
    unchanged = unchanged + 1
    return
  end
  putrow(base, live, r, now)
  unhold(base, meta, r[1])
  if not old then added = added + 1
  elseif same(old, r) then unchanged = unchanged + 1
  else updated = updated + 1 end
end
if ARGV[7] ~= '' then
  local stage = vkey(base, 'stage:' .. ARGV[7])
  local all = redis.call('HGETALL', stage)
  for i = 1, #all, 2 do
    local v = all[i + 1]
    if string.sub(v, 1, 1) == 'd' then apply('d', all[i]) else apply('u', string.sub(v, 2)) end
  end
  redis.call('UNLINK', stage)
end
for i = 8, #ARGV, 2 do apply(ARGV[i], ARGV[i + 1]) end
local run = cjson.decode(ARGV[6])
run.added, run.updated, run.removed = added, updated, removed
redis.call('HSET', meta, 'watermark', ARGV[4], 'lastSuccessAt', ARGV[5], 'consecutiveFailures', 0,
  'lastOutcome', 'succeeded', 'lastRun', cjson.encode(run))
redis.call('HDEL', meta, 'running', 'progress', 'lastError')
redis.call('HINCRBY', meta, 'seq', 1)
return { added, updated, removed, unchanged }`);

/**
 * KEYS: meta. ARGV: base, expectedSeq, nowMs, then per person: employee number, row count, rows...
 * Returns 'applied', 'conflict' or 'not-synced'.
 */
export const REPLACE_RECORDS = script(`
local base, now = ARGV[1], tonumber(ARGV[3])
local meta = KEYS[1]
local m = redis.call('HMGET', meta, 'gen', 'building', 'seq')
local live, building = m[1], m[2]
if not live and not building then return 'not-synced' end
if tonumber(m[3] or '0') ~= tonumber(ARGV[2]) then return 'conflict' end
local targets = {}
if live then targets[#targets + 1] = live end
if building and building ~= live then targets[#targets + 1] = building end
local i = 4
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
    -- ESR was asked again for this person: none of their rows' removals stays held.
    local function release(aid)
      if g == live then unhold(base, meta, aid) else redis.call('HDEL', gkey(base, g, 'held'), aid) end
    end
    local raw = redis.call('HGET', gkey(base, g, 'rows'), emp)
    if raw then
      for _, old in ipairs(cjson.decode(raw)) do
        release(old[1])
        if not keep[old[1]] then delrow(base, g, old[1]) end
      end
    end
    for _, r in ipairs(rows) do
      local old = getrow(base, g, r[1])
      if not (old and older(r, old)) then putrow(base, g, r, now) end
      release(r[1])
    end
    if g ~= live then redis.call('SADD', gkey(base, g, 'pin'), emp) end
  end
end
return 'applied'`);
