import { KEY_LIB } from './redis-keys';

/**
 * The role sync's Redis data model and the Lua library every role script starts with (the scripts,
 * one file per job, are gathered in redis-role.scripts.ts). Each script runs atomically, so a reader
 * never sees part of a write. A VPD's keys (RedisKeySpace.vpdFamily; every key of the gateway shares
 * one hash tag) reach a script in KEYS, read back by KEY_LIB's `family` (or `readkeys` for reads):
 *
 *   meta                 HASH   gen, building, genSeq, seq, watermark, sync state, heldSince/heldRun (see VpdSyncMeta)
 *   gens                 HASH   generation -> slot: the generations that exist (live, building, left-over)
 *   held                 HASH   assignmentId -> employeeNumber: removals held by the removal guard
 *   stage:<id>           HASH   assignmentId -> change: a long incremental run's staged changes (TTL)
 *   s<slot>:rows         HASH   employeeNumber -> JSON list of StoredRole (O(1) per person)
 *   s<slot>:aidx         HASH   assignmentId -> employeeNumber (deletes, diffs)
 *   s<slot>:pend         ZSET   assignmentId by effectiveFrom ms, eligible rows not yet effective when written
 *   s<slot>:ends         ZSET   assignmentId by effectiveUntil ms, eligible end-dated rows
 *   s<slot>:stat         HASH   eligible: rows of active people with a non-empty window
 *   s<slot>:pin          SET    people refreshed while the generation was built (the listing keeps off)
 *   s<slot>:held         HASH   removals held while building, moved to `held` at the switch
 *
 * A generation lives in one of two fixed slots ('0', '1'): beginning one drops every generation but
 * the live one, so at most two exist, and the new one takes the slot the live one does not use. So
 * every key a script may touch has a name the caller knows, whatever generation the script reads.
 * Fenced scripts compare ARGV fence with the lease's fence key (KEYS[1]) and fail with STALE_FENCE,
 * changing nothing, when they differ.
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

-- The keys of the slot generation gen lives in (nil when it does not exist); f: family() or readkeys().
local function genof(f, gen)
  if not gen then return nil end
  local s = redis.call('HGET', f.gens, gen)
  if not s then return nil end
  if f.slots then return f.slots[s] end
  return { rows = f.rows[s] }
end

local function getrow(G, aid)
  local emp = redis.call('HGET', G.aidx, aid)
  if not emp then return nil end
  local raw = redis.call('HGET', G.rows, emp)
  if not raw then return nil end
  local list = cjson.decode(raw)
  local i = find(list, aid)
  if i then return list[i] end
  return nil
end

local function unindex(G, r)
  redis.call('ZREM', G.pend, r[1])
  redis.call('ZREM', G.ends, r[1])
  if eligible(r) then redis.call('HINCRBY', G.stat, 'eligible', -1) end
end

local function index(G, r, now)
  if not eligible(r) then return end
  redis.call('HINCRBY', G.stat, 'eligible', 1)
  if r[10] > now then redis.call('ZADD', G.pend, num(r[10]), r[1]) end
  if not isnull(r[11]) then redis.call('ZADD', G.ends, num(r[11]), r[1]) end
end

local function delrow(G, aid)
  local emp = redis.call('HGET', G.aidx, aid)
  if not emp then return nil end
  redis.call('HDEL', G.aidx, aid)
  local raw = redis.call('HGET', G.rows, emp)
  local old = nil
  if raw then
    local list = cjson.decode(raw)
    local i = find(list, aid)
    if i then old = table.remove(list, i) end
    if #list == 0 then redis.call('HDEL', G.rows, emp) else redis.call('HSET', G.rows, emp, cjson.encode(list)) end
  end
  if old then unindex(G, old) end
  return old
end

local function putrow(G, r, now)
  local prev = redis.call('HGET', G.aidx, r[1])
  local old = nil
  if prev and prev ~= r[2] then old = delrow(G, r[1]) end
  local raw = redis.call('HGET', G.rows, r[2])
  local list = {}
  if raw then list = cjson.decode(raw) end
  local i = find(list, r[1])
  if i then
    old = list[i]
    unindex(G, old)
    list[i] = r
  else
    list[#list + 1] = r
  end
  redis.call('HSET', G.rows, r[2], cjson.encode(list))
  redis.call('HSET', G.aidx, r[1], r[2])
  index(G, r, now)
  return old
end

-- Material content: positions 2-8 and the holder's name (12, absent when ESR sent none).
local function same(a, b)
  for k = 2, 8 do if a[k] ~= b[k] then return false end end
  return a[12] == b[12]
end

local function older(new, old)
  return (not isnull(new[9])) and (not isnull(old[9])) and new[9] < old[9]
end

local function dropgen(G)
  redis.call('UNLINK', G.rows, G.aidx, G.pend, G.ends, G.stat, G.pin, G.held)
end

local function unhold(f, aid)
  if redis.call('HDEL', f.held, aid) == 1 then
    local left = redis.call('HLEN', f.held)
    redis.call('HSET', f.meta, 'heldRemovals', left)
    if left == 0 then redis.call('HDEL', f.meta, 'heldSince', 'heldRun') end
  end
end

local function fence_ok(key, fence)
  return tonumber(redis.call('GET', key) or '0') == tonumber(fence)
end
`;

/** Puts this library (family, genof, getrow...) in front of a script touching the role data (the role scripts', the mapping mirror's). */
export const withRoleLib = (body: string): string => `${LIB}\n${body}`;
