import { KEY_LIB } from './redis-keys';

/**
 * The role sync's Redis data model and the Lua library every role script starts with (the scripts,
 * one file per job, are gathered in redis-role.scripts.ts). Each script runs atomically, so a reader
 * never sees part of a write. Keys of one VPD share a base (`<prefix>sync:vpd:<vpd>:`, made by
 * RedisKeySpace.vpdBase; scripts derive the parts with KEY_LIB's vkey and gkey, redis-keys.ts):
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

const LIB = `${KEY_LIB}
local NULL = cjson.null
local function isnull(v) return v == nil or v == NULL end
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
  local held = vkey(base, 'held')
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

/** Puts this library (gkey, getrow...) in front of a script touching the role data (the role scripts', the mapping mirror's). */
export const withRoleLib = (body: string): string => `${LIB}\n${body}`;
