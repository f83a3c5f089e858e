/**
 * The gateway's Redis key space: every key name, made here and nowhere else. The connection adds
 * the key prefix (REDIS_KEY_PREFIX) to the names scripts get in KEYS and commands get as keys; names
 * a script derives itself (from a VPD's base in ARGV, or a VPD found in the data) carry the prefix in
 * full. The Lua helpers that derive names (KEY_LIB) sit beside their TypeScript twins below.
 *
 *   sync:vpds                          SET    VPDs that have role data
 *   sync:vpd:<vpd>:<part>              a VPD's role data (parts: redis-role-lua-lib.ts)
 *   sync:run:<runId>                   STRING a sync run's record (TTL)
 *   lease:<name>                       STRING "<token> <holder>" (TTL)
 *   lease:<name>:fence                 STRING the lease's latest fencing token (never expires)
 *   rate:<key>                         STRING a rate window's count (TTL)
 *   esr:budget                         ZSET   ESR's rate budget shared by every replica (TTL)
 *   map:seq                            STRING the mapping mirror's version counter
 *   map:u:<portalUserId>               HASH   a portal user's mirrored mappings (redis-mirror.scripts.ts)
 */
const VPD = 'sync:vpd:';
const MIRROR_ENTRY = 'map:u:';

export class RedisKeySpace {
  /** The set of VPDs that have role data. */
  readonly vpds = 'sync:vpds';
  /** The mapping mirror's version counter. */
  readonly mirrorSeq = 'map:seq';

  constructor(readonly prefix: string) {}

  /** A VPD's sync metadata (HASH). */
  vpdMeta(vpd: string): string {
    return `${VPD}${vpd}:meta`;
  }

  /** An incremental run's staged changes of a VPD (HASH, TTL). */
  vpdStage(vpd: string, stageId: string): string {
    return `${VPD}${vpd}:stage:${stageId}`;
  }

  /** One part (rows, aidx, pend...) of one generation of a VPD. */
  generationPart(vpd: string, generation: string, part: string): string {
    return `${VPD}${vpd}:g:${generation}:${part}`;
  }

  /** The base every key of a VPD's role data starts with, prefix included (scripts derive keys from it). */
  vpdBase(vpd: string): string {
    return `${this.prefix}${VPD}${vpd}:`;
  }

  /**
   * What surrounds a VPD in its base and in its meta key, prefix included: for scripts that find VPDs
   * in the data (KEY_LIB's vpdbase and vpdmeta take these four strings).
   */
  vpdLayout(): [string, string, string, string] {
    return [`${this.prefix}${VPD}`, ':', `${this.prefix}${VPD}`, ':meta'];
  }

  syncRun(runId: string): string {
    return `sync:run:${runId}`;
  }

  lease(name: string): string {
    return `lease:${name}`;
  }

  /** The latest fencing token of a lease (the fenced role scripts compare with it). */
  leaseFence(name: string): string {
    return `lease:${name}:fence`;
  }

  rateWindow(key: string): string {
    return `rate:${key}`;
  }

  /** ESR's rate budget, one window for every replica (redis-esr-budget.scripts.ts). */
  esrBudget(): string {
    return 'esr:budget';
  }

  /** A portal user's entry in the mapping mirror. */
  mirrorEntry(portalUserId: string): string {
    return `${MIRROR_ENTRY}${portalUserId}`;
  }

  /** SCAN pattern (prefix included) of every mirror entry. */
  mirrorEntryPattern(): string {
    return `${this.prefix}${MIRROR_ENTRY}*`;
  }

  /** The portal user of a mirror entry's full name (as SCAN returns it). */
  mirrorUserOf(fullKey: string): string {
    return fullKey.slice(this.prefix.length + MIRROR_ENTRY.length);
  }
}

/**
 * The Lua twins of the names above that scripts derive: `vkey(base, part)` is a part of a VPD's
 * data (base: RedisKeySpace.vpdBase), `gkey(base, gen, part)` a part of one of its generations
 * (RedisKeySpace.generationPart); `vpdbase(layout, vpd)` and `vpdmeta(layout, vpd)` a VPD's base and
 * meta key from RedisKeySpace.vpdLayout() (layout = the four strings, in order).
 */
export const KEY_LIB = `
local function vkey(base, part) return base .. part end
local function gkey(base, gen, part) return base .. 'g:' .. gen .. ':' .. part end
local function vpdbase(layout, vpd) return layout[1] .. vpd .. layout[2] end
local function vpdmeta(layout, vpd) return layout[3] .. vpd .. layout[4] end
`;
