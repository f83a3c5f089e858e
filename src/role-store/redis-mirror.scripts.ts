import { ACCESS_META_FIELDS } from './redis-role-read.scripts';
import { withRoleLib } from './redis-role-lua-lib';

/**
 * Lua scripts of the mapping mirror in Redis (src/mapping-cache/redis-mapping-cache.ts runs them).
 * One hash per portal user, `<prefix>map:c:<id>` (RedisKeySpace.mirrorEntry):
 *
 *   rows   JSON [[vpd, employeeNumber], ...], oldest first; absent = not cached
 *   v      version: a value of `<prefix>map:seq` (INCR), new on every hold, release and repair
 *   w      writers in progress: the number of h:* fields (absent = none)
 *   h:<t>  one per writer in progress: hold token -> when it began (ms, the writer's clock)
 *
 * Hold and release are idempotent per token, so a command the client sends twice (a retry after a
 * lost connection) cannot count a writer twice or release another writer's hold.
 *
 * Bounded (issue 21, M2): a user without mappings gets no hash. Their empty answer is a NEGATIVE
 * entry, a member (the entry's key name) of one sorted set `<prefix>map:neg` scored by when it expires
 * (now + ttl), trimmed to `max` members (the soonest to expire go first) and itself expiring when idle.
 * A hold removes the user's negative in the same script, so a mapping written later answers at once.
 * A hash is permanent only while it has a list or a writer: a hash left with only its version (after
 * a release or a repair) expires after ttl. That is safe because a read of a missing hash tickets
 * `@<Redis time ms>` and a fill with such a ticket is refused once ttl has passed: a hash created
 * after that read (by a hold) gets a TTL only after it was created, so it lives at least ttl past
 * the read, and a fill whose ticket is younger than ttl still meets it and its version.
 *
 * The role data is read with the role scripts' own library, from keys the caller passes: per VPD
 * RedisKeySpace.vpdReadKeys. A read finds the VPDs it needs in the entries, so the caller passes the
 * read keys of every VPD it knows has role data, and the set of those VPDs (`sync:vpds`); both scripts
 * return the set's members, and a read that meets a VPD with role data the caller did not pass
 * returns 'stale' (the caller retries with the members returned). The meta fields read are those
 * READ_ACCESS reads, in the same order (addAccessReply decodes both).
 */
/** Redis's clock in ms (one clock for every replica; scripts are replicated by effects). */
const NOW = `local function nowms() local t = redis.call('TIME'); return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end`;

const MIRROR_LIB = `
${NOW}
local function held(w) return w and tonumber(w) > 0 end
local NO_META = { false, false, false, false, false, false }

-- keysof: vpd -> readkeys() of the VPDs passed; emps: vpd -> employee numbers.
local function rolesof(vpdlist, emps, keysof)
  local out = {}
  for v = 1, #vpdlist do
    local vpd = vpdlist[v]
    local f = keysof[vpd]
    local meta = NO_META
    if f then meta = redis.call('HMGET', f.meta, ${ACCESS_META_FIELDS}) end
    local G = nil
    if f then G = genof(f, meta[1]) end
    local list = emps[vpd]
    local rows = {}
    for k = 1, #list do
      if G then rows[k] = redis.call('HGET', G.rows, list[k]) else rows[k] = false end
    end
    out[v] = { vpd, meta, list, rows }
  end
  return out
end
`;

const script = (body: string): string => withRoleLib(`${MIRROR_LIB}\n${body}`);

/**
 * KEYS: entry per user, the VPD set, the negatives (map:neg), then the read keys of each VPD known to
 * have role data. ARGV: the number of users, then the known VPDs (one per group of read keys). Returns
 * { users, vpds, members of the VPD set }: per user {'hit', rows} (a live negative: '[]') |
 * {'miss', version, or '@<now ms>' when there is no hash} | {'held'}; per VPD of the
 * hits { vpd, meta, employee numbers, encoded rows }; vpds is 'stale' when a hit names a VPD with
 * role data that was not passed (nothing is read then).
 */
export const READ = script(`
local n = tonumber(ARGV[1])
local now = nowms()
local keysof = {}
for j = 2, #ARGV do keysof[ARGV[j]] = readkeys(n + 3 + (j - 2) * READ_SIZE) end
local members = redis.call('SMEMBERS', KEYS[n + 1])
local users = {}
local vpdlist, emps, seen = {}, {}, {}
for i = 1, n do
  local e = redis.call('HMGET', KEYS[i], 'rows', 'v', 'w')
  if held(e[3]) then
    users[i] = { 'held' }
  elseif e[1] then
    users[i] = { 'hit', e[1] }
    for _, m in ipairs(cjson.decode(e[1])) do
      local vpd, emp = m[1], m[2]
      if not emps[vpd] then
        if not keysof[vpd] and redis.call('SISMEMBER', KEYS[n + 1], vpd) == 1 then return { users, 'stale', members } end
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
    local expires = redis.call('ZSCORE', KEYS[n + 2], KEYS[i])
    if expires and tonumber(expires) > now then users[i] = { 'hit', '[]' }
    else users[i] = { 'miss', e[2] or ('@' .. now) } end
  end
end
return { users, rolesof(vpdlist, emps, keysof), members }`);

/**
 * KEYS: entry per fill, the VPD set, the negatives, then the read keys of each VPD to read. ARGV: the
 * number of fills, ttl (ms), most negatives (0: none kept), then per fill: ticket, rows JSON; then per
 * VPD to read: vpd, count, employee numbers. A fill stores only while its ticket holds (the hash's
 * version; or no version and an '@' ticket younger than ttl) and no writer is in progress: a list as
 * the hash's `rows` (permanent), an empty one as a negative. Returns { filled, vpds (as READ),
 * members of the VPD set }.
 */
export const FILL_AND_READ = script(`
local n, ttl, most = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = nowms()
local neg = KEYS[n + 2]
local filled, negatives = 0, 0
local pos = 4
for i = 1, n do
  local ticket, rows = ARGV[pos], ARGV[pos + 1]
  pos = pos + 2
  local e = redis.call('HMGET', KEYS[i], 'v', 'w')
  local current
  if e[1] then current = e[1] == ticket and not held(e[2])
  else current = string.sub(ticket, 1, 1) == '@' and now - tonumber(string.sub(ticket, 2)) <= ttl end
  if current and rows ~= '[]' then
    redis.call('HSET', KEYS[i], 'rows', rows)
    redis.call('PERSIST', KEYS[i])
    redis.call('ZREM', neg, KEYS[i])
    filled = filled + 1
  elseif current and most > 0 then
    redis.call('HDEL', KEYS[i], 'rows')
    if e[1] then redis.call('PEXPIRE', KEYS[i], ttl) end
    redis.call('ZADD', neg, now + ttl, KEYS[i])
    filled, negatives = filled + 1, negatives + 1
  end
end
if negatives > 0 then
  redis.call('ZREMRANGEBYSCORE', neg, '-inf', now)
  local over = redis.call('ZCARD', neg) - most
  if over > 0 then redis.call('ZREMRANGEBYRANK', neg, 0, over - 1) end
  redis.call('PEXPIRE', neg, ttl)
end
local vpdlist, emps, keysof = {}, {}, {}
while pos <= #ARGV do
  local vpd, c = ARGV[pos], tonumber(ARGV[pos + 1])
  local l = {}
  for k = 1, c do l[k] = ARGV[pos + 1 + k] end
  vpdlist[#vpdlist + 1] = vpd
  emps[vpd] = l
  keysof[vpd] = readkeys(n + 3 + (#vpdlist - 1) * READ_SIZE)
  pos = pos + 2 + c
end
return { filled, rolesof(vpdlist, emps, keysof), redis.call('SMEMBERS', KEYS[n + 1]) }`);

/** KEYS: seq, negatives, then entry per user. ARGV: token, nowMs. The user's negative goes; the hash is permanent while held. */
export const HOLD = `
for i = 3, #KEYS do
  redis.call('HSET', KEYS[i], 'v', redis.call('INCR', KEYS[1]))
  if redis.call('HSETNX', KEYS[i], 'h:' .. ARGV[1], ARGV[2]) == 1 then redis.call('HINCRBY', KEYS[i], 'w', 1) end
  redis.call('HDEL', KEYS[i], 'rows')
  redis.call('PERSIST', KEYS[i])
  redis.call('ZREM', KEYS[2], KEYS[i])
end
return #KEYS - 2`;

/** KEYS: seq, negatives, then entry per user. ARGV: token, ttl (ms). A hash left without writers expires after ttl. */
export const RELEASE = `
for i = 3, #KEYS do
  redis.call('HSET', KEYS[i], 'v', redis.call('INCR', KEYS[1]))
  if redis.call('HDEL', KEYS[i], 'h:' .. ARGV[1]) == 1 and redis.call('HINCRBY', KEYS[i], 'w', -1) <= 0 then
    redis.call('HDEL', KEYS[i], 'w')
  end
  redis.call('HDEL', KEYS[i], 'rows')
  redis.call('ZREM', KEYS[2], KEYS[i])
  if not redis.call('HGET', KEYS[i], 'w') then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return #KEYS - 2`;

/** KEYS: seq, entry. ARGV: version seen, rows seen, ttl (ms). Drops the list if the entry is unchanged and not held (the hash then expires after ttl). */
export const DROP_IF_UNCHANGED = `
local e = redis.call('HMGET', KEYS[2], 'v', 'w', 'rows')
if (e[1] or '') ~= ARGV[1] or (e[2] and tonumber(e[2]) > 0) or e[3] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], 'v', redis.call('INCR', KEYS[1]))
redis.call('HDEL', KEYS[2], 'rows')
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`;

/** KEYS: seq, entry. ARGV: heldBeforeMs, ttl (ms). Clears the holds that began before then; returns how many (a hash left without writers expires after ttl). */
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
if left == 0 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return cleared`;
