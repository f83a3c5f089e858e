/**
 * Lua scripts of the leases and of the rate windows (key names: RedisKeySpace.lease, leaseFence,
 * rateWindow). A lease key holds "<token> <holder>"; its fence key counts the fencing tokens issued.
 */

/** KEYS: lease, fence. ARGV: "<token> <holder>", ttlMs. Returns the new fencing token, or 0 when held. */
export const ACQUIRE_LEASE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`;

/** KEYS: lease. ARGV: "<token> ", ttlMs. */
export const RENEW_LEASE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** KEYS: lease. ARGV: "<token> ". */
export const RELEASE_LEASE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** KEYS: rate window. ARGV: windowMs, amount. Returns {count, ms until the window resets}. */
export const HIT_WINDOW = `
local n = redis.call('INCRBY', KEYS[1], tonumber(ARGV[2] or '1'))
if n == tonumber(ARGV[2] or '1') then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;
