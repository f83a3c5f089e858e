/**
 * The gateway's Redis key space: every key name, made here and nowhere else, in full (prefix
 * included: the client adds none). Every key of one gateway carries one hash tag (taggedPrefix), so
 * every key lives in one Redis Cluster slot and every script and MULTI is single-slot. Scripts get
 * every key they touch in KEYS and build no key name; where a script needs a VPD's keys it gets them
 * as one of the fixed lists below (vpdFamily, vpdReadKeys), which the Lua helpers in
 * redis-role-lua-lib.ts read back by position.
 *
 *   sync:vpds                          SET    VPDs that have role data
 *   sync:vpd:<vpd>:<part>              a VPD's role data (parts: redis-role-lua-lib.ts)
 *   sync:vpd:<vpd>:seen:<scratch>      HASH   a dry run's assignments seen (TTL)
 *   sync:run:<runId>                   STRING a sync run's record (TTL)
 *   lease:<name>                       STRING "<token> <holder>" (TTL)
 *   lease:<name>:fence                 STRING the lease's latest fencing token (never expires)
 *   rate:<key>                         STRING a rate window's count (TTL)
 *   esr:budget                         ZSET   ESR's rate budget shared by every replica (TTL)
 *   map:seq                            STRING the mapping mirror's version counter
 *   map:c:<portalUserId>               HASH   a portal user's mirrored mappings (redis-mirror.scripts.ts), by the
 *                                             id's canonical lower-case form (the older `map:u:` entries, from
 *                                             before ids were canonical, are never read: docs/operations.md)
 *   map:neg                            ZSET   users without mappings, by when their empty answer expires (capped, TTL)
 *   status:session:<id>                STRING a status page session (JSON, TTL; status-session-store.ts)
 */
const VPD = 'sync:vpd:';
const MIRROR_ENTRY = 'map:c:';

/** The two places a VPD's generations live in: the live one in one, the one being built in the other. */
export const GENERATION_SLOTS = ['0', '1'] as const;
/** The keys of one generation slot, in the order vpdFamily lists them (redis-role-lua-lib.ts reads them so). */
export const GENERATION_PARTS = ['rows', 'aidx', 'pend', 'ends', 'stat', 'pin', 'held'] as const;

/** A hash tag: `{`, one or more characters other than braces, `}` (Redis hashes only what is inside). */
const HASH_TAG = /\{[^{}]+\}/;

/**
 * The prefix every key of a gateway starts with, carrying one hash tag: REDIS_KEY_PREFIX as it is when
 * it has a tag (`gw:{trust-a}:`; REDIS_KEY_PREFIX allows one, env.schema.ts), else its name wrapped in one (`esr-gateway:` -> `{esr-gateway}:`;
 * an empty prefix -> `{esr-gateway}:`).
 */
export function taggedPrefix(prefix: string): string {
  if (HASH_TAG.test(prefix)) return prefix;
  const name = prefix.replace(/:+$/, '');
  return name === '' ? '{esr-gateway}:' : `{${name}}${prefix.slice(name.length)}`;
}

export class RedisKeySpace {
  /** The tagged prefix every key starts with. */
  readonly prefix: string;
  /** The set of VPDs that have role data. */
  readonly vpds: string;
  /** The mapping mirror's version counter. */
  readonly mirrorSeq: string;
  /** The mapping mirror's negative entries (users without mappings, capped, short-lived). */
  readonly mirrorNegatives: string;

  /** @param prefix REDIS_KEY_PREFIX (tagged here when it has no hash tag). */
  constructor(prefix: string) {
    this.prefix = taggedPrefix(prefix);
    this.vpds = this.key('sync:vpds');
    this.mirrorSeq = this.key('map:seq');
    this.mirrorNegatives = this.key('map:neg');
  }

  /** A VPD's sync metadata (HASH). */
  vpdMeta(vpd: string): string {
    return this.key(`${VPD}${vpd}:meta`);
  }

  /** An incremental run's staged changes of a VPD (HASH, TTL). */
  vpdStage(vpd: string, stageId: string): string {
    return this.key(`${VPD}${vpd}:stage:${stageId}`);
  }

  /** A dry run's list of the assignments it saw (HASH assignmentId -> employeeNumber, TTL). */
  vpdSeen(vpd: string, scratch: string): string {
    return this.key(`${VPD}${vpd}:seen:${scratch}`);
  }

  /** One part (rows, aidx, pend...) of one generation slot of a VPD. */
  generationPart(vpd: string, slot: (typeof GENERATION_SLOTS)[number], part: (typeof GENERATION_PARTS)[number]): string {
    return this.key(`${VPD}${vpd}:s${slot}:${part}`);
  }

  /**
   * Every fixed key of a VPD's role data, in the order KEY_LIB's `family` reads them: meta, gens,
   * held, then each generation slot's parts (GENERATION_PARTS).
   */
  vpdFamily(vpd: string): string[] {
    const fixed = ['meta', 'gens', 'held'].map((part) => this.key(`${VPD}${vpd}:${part}`));
    return [...fixed, ...GENERATION_SLOTS.flatMap((slot) => GENERATION_PARTS.map((part) => this.generationPart(vpd, slot, part)))];
  }

  /** What an access read of a VPD touches, in the order KEY_LIB's `readkeys` reads them: meta, gens, each slot's rows. */
  vpdReadKeys(vpd: string): string[] {
    return [this.vpdMeta(vpd), this.key(`${VPD}${vpd}:gens`), ...GENERATION_SLOTS.map((slot) => this.generationPart(vpd, slot, 'rows'))];
  }

  syncRun(runId: string): string {
    return this.key(`sync:run:${runId}`);
  }

  lease(name: string): string {
    return this.key(`lease:${name}`);
  }

  /** The latest fencing token of a lease (the fenced role scripts compare with it). */
  leaseFence(name: string): string {
    return this.key(`lease:${name}:fence`);
  }

  rateWindow(key: string): string {
    return this.key(`rate:${key}`);
  }

  /** A status page session (STRING, JSON, TTL). */
  statusSession(id: string): string {
    return this.key(`status:session:${id}`);
  }

  /** ESR's rate budget, one window for every replica (redis-esr-budget.scripts.ts). */
  esrBudget(): string {
    return this.key('esr:budget');
  }

  /** A portal user's entry in the mapping mirror. */
  mirrorEntry(portalUserId: string): string {
    return this.key(`${MIRROR_ENTRY}${portalUserId}`);
  }

  /** SCAN pattern of every mirror entry (glob characters in the prefix escaped). */
  mirrorEntryPattern(): string {
    return `${this.key(MIRROR_ENTRY).replace(/[*?[\]\\]/g, '\\$&')}*`;
  }

  /** The portal user of a mirror entry's full name (as SCAN returns it). */
  mirrorUserOf(fullKey: string): string {
    return fullKey.slice(this.prefix.length + MIRROR_ENTRY.length);
  }

  private key(name: string): string {
    return `${this.prefix}${name}`;
  }
}

/** How many keys vpdFamily lists (KEY_LIB's `family` reads this many). */
export const FAMILY_SIZE = 3 + GENERATION_SLOTS.length * GENERATION_PARTS.length;
/** How many keys vpdReadKeys lists. */
export const READ_KEYS_SIZE = 2 + GENERATION_SLOTS.length;

/**
 * The Lua twins of vpdFamily and vpdReadKeys: `family(i)` reads the FAMILY_SIZE keys from KEYS[i]
 * into { meta, gens, held, slots = { ['0'] = { rows, aidx, ... }, ['1'] = ... } }, `readkeys(i)` the
 * READ_KEYS_SIZE keys into { meta, gens, rows = { ['0'], ['1'] } }. They only index KEYS.
 */
export const KEY_LIB = `
local FAMILY_SIZE, READ_SIZE = ${FAMILY_SIZE}, ${READ_KEYS_SIZE}
local SLOTS = { ${GENERATION_SLOTS.map((s) => `'${s}'`).join(', ')} }
local PARTS = { ${GENERATION_PARTS.map((p) => `'${p}'`).join(', ')} }
local function family(i)
  local f = { meta = KEYS[i], gens = KEYS[i + 1], held = KEYS[i + 2], slots = {} }
  local k = i + 3
  for _, s in ipairs(SLOTS) do
    local g = {}
    for _, p in ipairs(PARTS) do g[p] = KEYS[k]; k = k + 1 end
    f.slots[s] = g
  end
  return f
end
local function readkeys(i)
  local f = { meta = KEYS[i], gens = KEYS[i + 1], rows = {} }
  for n, s in ipairs(SLOTS) do f.rows[s] = KEYS[i + 1 + n] end
  return f
end
`;
