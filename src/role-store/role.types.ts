import type { SyncStateName } from '../domain/sync-state';
/**
 * What the role sync keeps in the cache for each VPD, and what access resolution reads.
 * All instants are ISO-8601 UTC strings; dates are ESR's UK local dates (YYYY-MM-DD).
 */

/** One Digital Passport Administrator assignment, with the window in which it grants access. */
export interface CachedRole {
  assignmentId: string;
  employeeNumber: string;
  /** When the role was assigned in ESR (ESR createdAt), UTC. */
  assignedAt: string;
  /** ESR effectiveStartDate / effectiveEndDate (UK dates; end inclusive, null = open-ended). */
  startDate: string;
  endDate: string | null;
  /** Later of (assignedAt + activation delay) and start of startDate in UK time. */
  effectiveFrom: string;
  /** Start of the day after endDate in UK time, or null when open-ended. */
  effectiveUntil: string | null;
  /** The person's ESR record is active (person.active in ESR). */
  personActive: boolean;
  /**
   * ESR lastUpdatedAt of the row (UTC). Set by the sync; orders versions of one assignment so an older
   * read never overwrites a newer one.
   */
  lastUpdatedAt?: string;
  /** The holder's name as ESR sent it with the row ("Mr Jordan Ashworth"); absent when ESR sent none. */
  displayName?: string;
}

/** Per-VPD freshness that access resolution needs (a subset of the sync status). */
export interface VpdSnapshot {
  vpd: string;
  state: SyncStateName;
  /** Last successful sync (full or incremental) of this VPD; null = never synced. */
  lastSuccessAt: string | null;
  lastFullSyncAt: string | null;
}

export interface RecordKey {
  vpd: string;
  employeeNumber: string;
}

export const recordKey = (vpd: string, employeeNumber: string): string => `${vpd}:${employeeNumber}`;

/** Everything access resolution needs for a set of ESR records, read in one cache round trip. */
export interface AccessSnapshot {
  /** By VPD; absent when the VPD has never been synced. */
  vpds: Map<string, VpdSnapshot>;
  /** By recordKey(vpd, employeeNumber); absent or empty when the record holds no current role. */
  roles: Map<string, CachedRole[]>;
}
