import type { AccessSnapshot, RecordKey } from '../role-store/role.types';
import type { EvaluatedRecord } from '../access-policy/access-evaluator';

/** A mapping as the mirror keeps it: the record and what ESR checks found (access reasons need both). */
export type MirroredMapping = EvaluatedRecord;

/**
 * A mirror of each portal user's ESR mappings in the shared cache (Redis, or in-process for the
 * embedded default), next to the role data, so access resolution reads a user's mappings, their
 * role rows and the VPDs' sync metadata in ONE round trip. The database stays the source of truth.
 *
 * Per user the mirror keeps a version, the cached mapping list (absent = not cached) and a count of
 * writers in progress ("held", each with its token and start time):
 * - read: a user is a `hit` (the list), a `miss` (with a fill ticket: the version seen) or `held`
 *   (a write is in progress: read the database and do not fill);
 * - fill: stores a list read from the database only if the ticket still holds (no write began or
 *   ended since the read) and no write is in progress, so a fill racing a delete can never store
 *   the deleted mapping; an empty list is kept only as a short-lived, capped negative entry
 *   (NegativeEntries), never as a permanent one;
 * - hold / release: every write of mappings holds its users before the database write (new
 *   version, list dropped, held) and releases them after it (new version, list dropped). A hold
 *   that fails stops the write (503, nothing written); a release that fails leaves the users held,
 *   so every instance reads them from the database until the consistency check clears the hold.
 */
export abstract class MappingCache {
  abstract readonly kind: 'redis' | 'memory';

  /** ONE round trip: each user's entry, with the role snapshot of every record of the hits. */
  abstract read(portalUserIds: string[]): Promise<MirrorRead>;

  /**
   * ONE round trip: stores each fill whose ticket still holds, then reads the role snapshot of
   * `keys` (all records of the users being answered, so the answer is one consistent snapshot).
   */
  abstract fillAndRead(fills: MirrorFill[], keys: RecordKey[]): Promise<{ filled: number; snapshot: AccessSnapshot }>;

  /**
   * Before a database write of these users' mappings; returns the hold's token. Rejects when the
   * cache fails (then nothing is held, or a hold is left for the check to clear: never unsafe).
   */
  abstract hold(portalUserIds: string[], nowMs: number): Promise<HoldToken>;

  /** After that write, committed or not. Idempotent. */
  abstract release(portalUserIds: string[], token: HoldToken): Promise<void>;

  /** Cached entries, a page at a time (cursor '0' to start; done when the returned cursor is '0'). */
  abstract scan(cursor: string, count: number): Promise<{ cursor: string; entries: MirrorEntry[] }>;

  /** Repair: drops the cached list when the entry is still exactly as `seen` (version and list). */
  abstract dropIfUnchanged(seen: MirrorEntry): Promise<boolean>;

  /** Repair: clears the user's holds that began before `heldBeforeMs` (writers that never released); returns how many. */
  abstract clearStaleHolds(portalUserId: string, heldBeforeMs: number): Promise<number>;
}

/**
 * How the mirror answers users without mappings (issue 21, M2): a short-lived negative entry each,
 * at most `max` of them (0: none kept, every such question reads the database). Never a permanent
 * entry, so made-up ids cannot grow the cache. A hold removes the user's negative at once.
 */
export interface NegativeEntries {
  /** How long an empty answer is kept (MAPPING_CACHE_NEGATIVE_TTL). */
  ttlMs: number;
  /** Most negative entries at once (MAPPING_CACHE_NEGATIVE_MAX); beyond, the soonest to expire go. */
  max: number;
}

export const DEFAULT_NEGATIVES: NegativeEntries = { ttlMs: 60_000, max: 50_000 };

/** Identifies one write's hold, so hold and release are idempotent (a retried command counts once). */
export type HoldToken = string;

export type MirrorUser = { kind: 'hit'; records: MirroredMapping[] } | { kind: 'miss'; ticket: string } | { kind: 'held' };

export interface MirrorRead {
  /** By portal user id, for every id asked. */
  users: Map<string, MirrorUser>;
  /** Role rows and VPD sync metadata of every record of the hits. */
  snapshot: AccessSnapshot;
}

export interface MirrorFill {
  portalUserId: string;
  /** The ticket of the read that missed. */
  ticket: string;
  /** The user's mappings as the database has them, oldest first. */
  records: MirroredMapping[];
}

/** One cached entry as the consistency check sees it. */
export interface MirrorEntry {
  portalUserId: string;
  version: string;
  /** Null when not cached. */
  records: MirroredMapping[] | null;
  /** The list exactly as stored (the Redis mirror compares this, not a re-encoding, before a repair). */
  stored?: string;
  /** Writers in progress (0 = none) and when the earliest of them began (ms, 0 when none). */
  writers: number;
  heldAtMs: number;
}

/**
 * The stored form of a mapping list: [[vpd, employeeNumber, verified (1/0), esrStatus or ""], ...],
 * oldest first. Scripts read only the first two fields (the role rows to fetch).
 */
export const encodeRecords = (records: MirroredMapping[]): string =>
  JSON.stringify(records.map((r) => [r.vpd, r.employeeNumber, r.verified === false ? 0 : 1, r.esrStatus ?? '']));

export const decodeRecords = (raw: string): MirroredMapping[] =>
  (JSON.parse(raw) as Array<[string, string, number?, string?]>).map(([vpd, employeeNumber, verified, esrStatus]) => ({
    vpd,
    employeeNumber,
    verified: verified !== 0,
    esrStatus: esrStatus === 'FOUND' || esrStatus === 'NOT_FOUND' ? esrStatus : null,
  }));

/** The mirror's form of a mapping row (so the check and a fill compare and store the same thing). */
export const mirrored = (row: MirroredMapping): MirroredMapping => ({
  vpd: row.vpd,
  employeeNumber: row.employeeNumber,
  verified: row.verified !== false,
  esrStatus: row.esrStatus ?? null,
});

export const sameRecords = (a: MirroredMapping[], b: MirroredMapping[]): boolean =>
  a.length === b.length && a.every((r, i) => encodeRecords([r]) === encodeRecords([b[i]]));
