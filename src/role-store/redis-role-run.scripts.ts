/** Lua scripts of a run's state in a VPD's meta: started, progress, failed (layout: redis-role-lua-lib.ts). */
import { withRoleLib } from './redis-role-lua-lib';

const script = withRoleLib;

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
