import { withRoleLib } from './redis-role-lua-lib';

/**
 * Lua scripts of the mapping mirror in Redis (src/mapping-cache/redis-mapping-cache.ts runs them).
 * One hash per portal user, `<prefix>map:u:<id>` (RedisKeySpace.mirrorEntry):
 *
 *   rows   JSON [[vpd, employeeNumber], ...], oldest first; absent = not cached
 *   v      version: a value of `<prefix>map:seq` (INCR), new on every hold, release and repair
 *   w      writers in progress: the number of h:* fields (absent = none)
 *   h:<t>  one per writer in progress: hold token -> when it began (ms, the writer's clock)
 *
 * Hold and release are idempotent per token, so a command the client sends twice (a retry after a
 * lost connection) cannot count a writer twice or release another writer's hold.
 *
 * The role data is read with the role scripts' own library and key names: ARGV[1..4] are
 * RedisKeySpace.vpdLayout(), from which KEY_LIB's vpdbase and vpdmeta make a VPD's keys, so no key
 * name of the role data is spelled here. The meta fields read are those READ_ACCESS reads, in the
 * same order (addAccessReply decodes both).
 */
const MIRROR_LIB = `
local function held(w) return w and tonumber(w) > 0 end

local function rolesof(vpdlist, emps)
  local layout = { ARGV[1], ARGV[2], ARGV[3], ARGV[4] }
  local out = {}
  for v = 1, #vpdlist do
    local vpd = vpdlist[v]
    local base = vpdbase(layout, vpd)
    local meta = redis.call('HMGET', vpdmeta(layout, vpd), 'gen', 'running', 'lastOutcome', 'heldRemovals', 'lastSuccessAt', 'lastFullSyncAt')
    local list = emps[vpd]
    local rows = {}
    for k = 1, #list do
      if meta[1] then rows[k] = redis.call('HGET', gkey(base, meta[1], 'rows'), list[k]) else rows[k] = false end
    end
    out[v] = { vpd, meta, list, rows }
  end
  return out
end
`;

const script = (body: string): string => withRoleLib(`${MIRROR_LIB}\n${body}`);

/**
 * KEYS: entry per user. ARGV: the 4 layout strings. Returns { users, vpds }: per user {'hit', rows} |
 * {'miss', version} | {'held'}; per VPD of the hits { vpd, meta, employee numbers, encoded rows }.
 */
export const READ = script(`
local users = {}
local vpdlist, emps, seen = {}, {}, {}
for i = 1, #KEYS do
  local e = redis.call('HMGET', KEYS[i], 'rows', 'v', 'w')
  if held(e[3]) then
    users[i] = { 'held' }
  elseif e[1] then
    users[i] = { 'hit', e[1] }
    for _, m in ipairs(cjson.decode(e[1])) do
      local vpd, emp = m[1], m[2]
      if not emps[vpd] then
        emps[vpd] = {}
        vpdlist[#vpdlist + 1] = vpd
      end
      local k = vpd .. ':' .. emp
      if not seen[k] then
        seen[k] = true
        local l = emps[vpd]
        l[#l + 1] = emp
      end
    end
  else
    users[i] = { 'miss', e[2] or '' }
  end
end
return { users, rolesof(vpdlist, emps) }`);

/**
 * KEYS: entry per fill. ARGV: the 4 layout strings, then per fill: ticket, rows JSON; then per VPD to
 * read: vpd, count, employee numbers. Returns { filled, vpds } (vpds as READ).
 */
export const FILL_AND_READ = script(`
local filled = 0
local pos = 5
for i = 1, #KEYS do
  local ticket, rows = ARGV[pos], ARGV[pos + 1]
  pos = pos + 2
  local e = redis.call('HMGET', KEYS[i], 'v', 'w')
  if (e[1] or '') == ticket and not held(e[2]) then
    redis.call('HSET', KEYS[i], 'rows', rows)
    filled = filled + 1
  end
end
local vpdlist, emps = {}, {}
while pos <= #ARGV do
  local vpd, n = ARGV[pos], tonumber(ARGV[pos + 1])
  local l = {}
  for k = 1, n do l[k] = ARGV[pos + 1 + k] end
  vpdlist[#vpdlist + 1] = vpd
  emps[vpd] = l
  pos = pos + 2 + n
end
return { filled, rolesof(vpdlist, emps) }`);

/** KEYS: seq, then entry per user. ARGV: token, nowMs. */
export const HOLD = `
for i = 2, #KEYS do
  redis.call('HSET', KEYS[i], 'v', redis.call('INCR', KEYS[1]))
  if redis.call('HSETNX', KEYS[i], 'h:' .. ARGV[1], ARGV[2]) == 1 then redis.call('HINCRBY', KEYS[i], 'w', 1) end
  redis.call('HDEL', KEYS[i], 'rows')
end
return #KEYS - 1`;

/** KEYS: seq, then entry per user. ARGV: token. */
export const RELEASE = `
for i = 2, #KEYS do
  redis.call('HSET', KEYS[i], 'v', redis.call('INCR', KEYS[1]))
  if redis.call('HDEL', KEYS[i], 'h:' .. ARGV[1]) == 1 and redis.call('HINCRBY', KEYS[i], 'w', -1) <= 0 then
    redis.call('HDEL', KEYS[i], 'w')
  end
  redis.call('HDEL', KEYS[i], 'rows')
end
return #KEYS - 1`;

/** KEYS: seq, entry. ARGV: version seen, rows seen. Drops the list if the entry is unchanged and not held. */
export const DROP_IF_UNCHANGED = `
local e = redis.call('HMGET', KEYS[2], 'v', 'w', 'rows')
if (e[1] or '') ~= ARGV[1] or (e[2] and tonumber(e[2]) > 0) or e[3] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], 'v', redis.call('INCR', KEYS[1]))
redis.call('HDEL', KEYS[2], 'rows')
return 1`;

/** KEYS: seq, entry. ARGV: heldBeforeMs. Clears the holds that began before then; returns how many. */
export const CLEAR_STALE_HOLDS = `
local all = redis.call('HGETALL', KEYS[2])
local cleared, left = 0, 0
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'h:' then
    if tonumber(all[i + 1]) < tonumber(ARGV[1]) then
      redis.call('HDEL', KEYS[2], all[i])
      cleared = cleared + 1
    else
      left = left + 1
    end
  end
end
if cleared == 0 then return 0 end
if left == 0 then redis.call('HDEL', KEYS[2], 'w') else redis.call('HSET', KEYS[2], 'w', left) end
redis.call('HSET', KEYS[2], 'v', redis.call('INCR', KEYS[1]))
redis.call('HDEL', KEYS[2], 'rows')
return cleared`;
