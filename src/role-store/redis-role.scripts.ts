/**
 * Lua scripts of the role sync's Redis data model. Each runs atomically, so a reader never sees
 * part of a write. Keys of one VPD share a base (`<prefix>sync:vpd:<vpd>:`):
 *
 *   meta                 HASH   gen, building, genSeq, seq, watermark, sync state (see VpdSyncMeta)
 *   gens                 SET    generations that exist (live, building, left-overs to drop)
 *   held                 HASH   assignmentId -> employeeNumber: removals held by the removal guard
 *   stage:<id>           HASH   assignmentId -> change: a long incremental run's staged changes (TTL)
 *   g:<gen>:rows         HASH   employeeNumber -> JSON list of StoredRole (O(1) per person)
 *   g:<gen>:aidx         HASH   assignmentId -> employeeNumber (deletes, diffs)
 *   g:<gen>:pend         ZSET   assignmentId by effectiveFrom ms, eligible rows not yet effective when written
 *   g:<gen>:ends         ZSET   assignmentId by effectiveUntil ms, eligible end-dated rows
 *   g:<gen>:stat         HASH   eligible: rows of active people with a non-empty window
 *   g:<gen>:pin          SET    people refreshed while the generation was built (the listing keeps off)
 *   g:<gen>:held         HASH   removals held while building, moved to `held` at the switch
 *
 * Keys outside KEYS are derived from the base passed in ARGV; this targets a single Redis (the
 * gateway's deployment), not Redis Cluster. Fenced scripts compare ARGV fence with the lease's
 * fence key (KEYS[1]) and fail with STALE_FENCE, changing nothing, when they differ.
 */

const LIB = `
local NULL = cjson.null
local function isnull(v) return v == nil or v == NULL end
local function gkey(base, gen, part) return base .. 'g:' .. gen .. ':' .. part end
local function num(x) return string.format('%.0f', x) end

local function eligible(r)
  return r[8] == true and (isnull(r[11]) or r[11] > r[10])
end

local function find(list, aid)
  for i = 1, #list do if list[i][1] == aid then return i end end
  return nil
end

local function getrow(base, gen, aid)
  local emp = redis.call('HGET', gkey(base, gen, 'aidx'), aid)
  if not emp then return nil end
  local raw = redis.call('HGET', gkey(base, gen, 'rows'), emp)
  if not raw then return nil end
  local list = cjson.decode(raw)
  local i = find(list, aid)
  if i then return list[i] end
  return nil
end

local function unindex(base, gen, r)
  redis.call('ZREM', gkey(base, gen, 'pend'), r[1])
  redis.call('ZREM', gkey(base, gen, 'ends'), r[1])
  if eligible(r) then redis.call('HINCRBY', gkey(base, gen, 'stat'), 'eligible', -1) end
end

local function index(base, gen, r, now)
  if not eligible(r) then return end
  redis.call('HINCRBY', gkey(base, gen, 'stat'), 'eligible', 1)
  if r[10] > now then redis.call('ZADD', gkey(base, gen, 'pend'), num(r[10]), r[1]) end
  if not isnull(r[11]) then redis.call('ZADD', gkey(base, gen, 'ends'), num(r[11]), r[1]) end
end

local function delrow(base, gen, aid)
  local aidx = gkey(base, gen, 'aidx')
  local emp = redis.call('HGET', aidx, aid)
  if not emp then return nil end
  redis.call('HDEL', aidx, aid)
  local rows = gkey(base, gen, 'rows')
  local raw = redis.call('HGET', rows, emp)
  local old = nil
  if raw then
    local list = cjson.decode(raw)
    local i = find(list, aid)
    if i then old = table.remove(list, i) end
    if #list == 0 then redis.call('HDEL', rows, emp) else redis.call('HSET', rows, emp, cjson.encode(list)) end
  end
  if old then unindex(base, gen, old) end
  return old
end

local function putrow(base, gen, r, now)
  local aidx = gkey(base, gen, 'aidx')
  local rows = gkey(base, gen, 'rows')
  local prev = redis.call('HGET', aidx, r[1])
  local old = nil
  if prev and prev ~= r[2] then old = delrow(base, gen, r[1]) end
  local raw = redis.call('HGET', rows, r[2])
  local list = {}
  if raw then list = cjson.decode(raw) end
  local i = find(list, r[1])
  if i then
    old = list[i]
    unindex(base, gen, old)
    list[i] = r
  else
    list[#list + 1] = r
  end
  redis.call('HSET', rows, r[2], cjson.encode(list))
  redis.call('HSET', aidx, r[1], r[2])
  index(base, gen, r, now)
  return old
end

local function same(a, b)
  for k = 2, 8 do if a[k] ~= b[k] then return false end end
  return true
end

local function older(new, old)
  return (not isnull(new[9])) and (not isnull(old[9])) and new[9] < old[9]
end

local function dropgen(base, gen)
  redis.call('UNLINK', gkey(base, gen, 'rows'), gkey(base, gen, 'aidx'), gkey(base, gen, 'pend'), gkey(base, gen, 'ends'),
    gkey(base, gen, 'stat'), gkey(base, gen, 'pin'), gkey(base, gen, 'held'))
end

local function unhold(base, meta, aid)
  local held = base .. 'held'
  if redis.call('HDEL', held, aid) == 1 then
    local left = redis.call('HLEN', held)
    redis.call('HSET', meta, 'heldRemovals', left)
    if left == 0 then redis.call('HDEL', meta, 'heldSince') end
  end
end

local function fence_ok(key, fence)
  return tonumber(redis.call('GET', key) or '0') == tonumber(fence)
end
`;

const script = (body: string): string => `${LIB}\n${body}`;

/** Puts this library (gkey, getrow...) in front of another script reading the role data (the mapping mirror's). */
export const withRoleLib = script;

/** KEYS: metaKey per VPD. ARGV: n, base per VPD, then per VPD: count, employee numbers. */
export const READ_ACCESS = script(`
local n = tonumber(ARGV[1])
local out = {}
local pos = n + 2
for v = 1, n do
  local base = ARGV[1 + v]
  local meta = redis.call('HMGET', KEYS[v], 'gen', 'running', 'lastOutcome', 'heldRemovals', 'lastSuccessAt', 'lastFullSyncAt')
  local count = tonumber(ARGV[pos])
  local rows = {}
  for k = 1, count do
    local emp = ARGV[pos + k]
    if meta[1] then rows[k] = redis.call('HGET', gkey(base, meta[1], 'rows'), emp) else rows[k] = false end
  end
  pos = pos + count + 1
  out[v] = { meta, rows }
end
return out`);

/** KEYS: metaKey per VPD. ARGV: atMs, base per VPD. */
export const READ_VPD_SYNC = script(`
local at = ARGV[1]
local out = {}
for v = 1, #KEYS do
  local base = ARGV[1 + v]
  local meta = redis.call('HGETALL', KEYS[v])
  local gen = redis.call('HGET', KEYS[v], 'gen')
  local counts = {}
  if gen then
    counts = {
      redis.call('HLEN', gkey(base, gen, 'aidx')),
      redis.call('HLEN', gkey(base, gen, 'rows')),
      tonumber(redis.call('HGET', gkey(base, gen, 'stat'), 'eligible') or '0'),
      redis.call('ZCOUNT', gkey(base, gen, 'pend'), '(' .. at, '+inf'),
      redis.call('ZCOUNT', gkey(base, gen, 'ends'), '-inf', at),
    }
  end
  out[v] = { meta, counts }
end
return out`);

/** KEYS: meta. ARGV: base, assignment ids. Returns encoded rows or nil per id. */
export const LOOKUP_ROLES = script(`
local gen = redis.call('HGET', KEYS[1], 'gen')
local out = {}
for i = 2, #ARGV do
  local r = nil
  if gen then r = getrow(ARGV[1], gen, ARGV[i]) end
  if r then out[i - 1] = cjson.encode(r) else out[i - 1] = false end
end
return out`);

/** KEYS: fence, meta, vpds set. ARGV: fence, vpd, runId, at, progress JSON. */
export const MARK_STARTED = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
redis.call('HSET', KEYS[2], 'running', ARGV[3], 'lastAttemptAt', ARGV[4], 'progress', ARGV[5])
redis.call('SADD', KEYS[3], ARGV[2])
return 1`);

/** KEYS: fence, meta. ARGV: fence, progress JSON. */
export const REPORT_PROGRESS = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
redis.call('HSET', KEYS[2], 'progress', ARGV[2])
return 1`);

/** KEYS: fence, meta. ARGV: fence, error, lastRun JSON. */
export const MARK_FAILED = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local n = redis.call('HINCRBY', KEYS[2], 'consecutiveFailures', 1)
redis.call('HSET', KEYS[2], 'lastOutcome', 'failed', 'lastError', ARGV[2], 'lastRun', ARGV[3])
redis.call('HDEL', KEYS[2], 'running', 'progress')
return n`);

/** KEYS: fence, meta, vpds set. ARGV: fence, base, vpd. Returns {generation, dropped}. */
export const BEGIN_GENERATION = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local base = ARGV[2]
local live = redis.call('HGET', KEYS[2], 'gen')
local gens = base .. 'gens'
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
local held = base .. 'held'
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
redis.call('SREM', base .. 'gens', gen)
return 1`);

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
  local stage = base .. 'stage:' .. ARGV[7]
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

/** KEYS: fence, meta. ARGV: fence, base, count. Returns {removed, remaining}. */
export const APPROVE_HELD = script(`
if not fence_ok(KEYS[1], ARGV[1]) then return redis.error_reply('STALE_FENCE') end
local base, count = ARGV[2], tonumber(ARGV[3])
local held = base .. 'held'
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
local held = ARGV[2] .. 'held'
local n = redis.call('HLEN', held)
redis.call('UNLINK', held)
redis.call('HSET', KEYS[2], 'heldRemovals', 0)
redis.call('HDEL', KEYS[2], 'heldSince')
return n`);
