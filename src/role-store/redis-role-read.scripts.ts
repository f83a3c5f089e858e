/** Lua scripts that read the role data: access snapshots, VPD sync records, lookups (layout: redis-role-lua-lib.ts). */
import { withRoleLib } from './redis-role-lua-lib';

const script = withRoleLib;

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
