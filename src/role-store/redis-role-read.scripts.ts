/** Lua scripts that read the role data: access snapshots, VPD sync records, lookups (layout: redis-role-lua-lib.ts). */
import { withRoleLib } from './redis-role-lua-lib';

const script = withRoleLib;

/** The meta fields an access read returns, in order (addAccessReply decodes them; the mirror's reads return the same). */
export const ACCESS_META_FIELDS = "'gen', 'running', 'lastOutcome', 'heldRemovals', 'lastSuccessAt', 'lastFullSyncAt'";

/** KEYS: the read keys per VPD (RedisKeySpace.vpdReadKeys). ARGV: per VPD: count, employee numbers. */
export const READ_ACCESS = script(`
local out = {}
local pos = 1
for v = 1, #KEYS / READ_SIZE do
  local f = readkeys((v - 1) * READ_SIZE + 1)
  local meta = redis.call('HMGET', f.meta, ${ACCESS_META_FIELDS})
  local G = genof(f, meta[1])
  local count = tonumber(ARGV[pos])
  local rows = {}
  for k = 1, count do
    if G then rows[k] = redis.call('HGET', G.rows, ARGV[pos + k]) else rows[k] = false end
  end
  pos = pos + count + 1
  out[v] = { meta, rows }
end
return out`);

/** KEYS: the family per VPD (RedisKeySpace.vpdFamily). ARGV: atMs. */
export const READ_VPD_SYNC = script(`
local at = ARGV[1]
local out = {}
for v = 1, #KEYS / FAMILY_SIZE do
  local f = family((v - 1) * FAMILY_SIZE + 1)
  local meta = redis.call('HGETALL', f.meta)
  local G = genof(f, redis.call('HGET', f.meta, 'gen'))
  local counts = {}
  if G then
    counts = {
      redis.call('HLEN', G.aidx),
      redis.call('HLEN', G.rows),
      tonumber(redis.call('HGET', G.stat, 'eligible') or '0'),
      redis.call('ZCOUNT', G.pend, '(' .. at, '+inf'),
      redis.call('ZCOUNT', G.ends, '-inf', at),
    }
  end
  out[v] = { meta, counts }
end
return out`);

/** KEYS: the VPD's family. ARGV: assignment ids. Returns encoded rows or nil per id. */
export const LOOKUP_ROLES = script(`
local f = family(1)
local G = genof(f, redis.call('HGET', f.meta, 'gen'))
local out = {}
for i = 1, #ARGV do
  local r = nil
  if G then r = getrow(G, ARGV[i]) end
  if r then out[i] = cjson.encode(r) else out[i] = false end
end
return out`);
