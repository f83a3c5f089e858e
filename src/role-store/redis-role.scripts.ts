/**
 * The role sync's Lua scripts, one file per job; the key layout and the shared library are in
 * redis-role-lua-lib.ts. Each script runs atomically, so a reader never sees part of a write.
 */
export { LOOKUP_ROLES, READ_ACCESS, READ_VPD_SYNC } from './redis-role-read.scripts';
export { MARK_FAILED, MARK_STARTED, REPORT_PROGRESS } from './redis-role-run.scripts';
export {
  APPROVE_HELD,
  BEGIN_GENERATION,
  COMMIT_GENERATION,
  DROP_GENERATION,
  HOLD_REMOVALS,
  REJECT_HELD,
  SCAN_REMOVALS,
  WRITE_GENERATION,
} from './redis-role-generation.scripts';
export { APPLY_CHANGES, REPLACE_RECORDS, STAGE_CHANGES } from './redis-role-change.scripts';
