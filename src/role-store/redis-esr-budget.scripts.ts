/**
 * Lua of the ESR budget shared by every replica (key name: RedisKeySpace.esrBudget). The key is a
 * sorted set of the places taken: member "<pod>:<seq>", score the Redis time (ms) at which the place
 * frees. Time comes from Redis (TIME), one clock for every pod.
 */

/**
 * KEYS: budget. ARGV: cap (places this lane may fill), holdMs (how long a new place holds before its
 * answer is reported), member, then pairs of (member, ms from now until it frees; 0 or less: free
 * now): the caller's answers since its last take, and places it took while Redis was away.
 * Applies the pairs, drops freed places, then takes a place if fewer than cap are taken.
 * Returns {1 taken | 0 refused, places taken, ms until a place frees for this cap (0 when taken),
 * pods holding places}.
 */
export const TAKE_ESR_BUDGET = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key = KEYS[1]
local cap = tonumber(ARGV[1])
local hold = tonumber(ARGV[2])
for i = 4, #ARGV - 1, 2 do
  local left = tonumber(ARGV[i + 1])
  if left > 0 then redis.call('ZADD', key, now + left, ARGV[i]) else redis.call('ZREM', key, ARGV[i]) end
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local used = redis.call('ZCARD', key)
local pods, seen = 0, {}
for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
  local pod = string.match(member, '^([^:]+):')
  if pod and not seen[pod] then seen[pod] = true; pods = pods + 1 end
end
if used < cap then
  redis.call('ZADD', key, now + hold, ARGV[3])
  redis.call('PEXPIRE', key, hold)
  local pod = string.match(ARGV[3], '^([^:]+):')
  if pod and not seen[pod] then pods = pods + 1 end
  return {1, used + 1, 0, pods}
end
redis.call('PEXPIRE', key, hold)
local frees = redis.call('ZRANGE', key, used - cap, used - cap, 'WITHSCORES')
return {0, used, math.max(1, tonumber(frees[2]) - now), pods}`;
