/**
 * Public types of access resolution ("is Search ESR switched on for this user, and if not, why").
 * These are what AccessService hands to other modules (credential searches authorise with them) and
 * what the access endpoints answer. Keep them stable: callers depend on them.
 */

/**
 * State of one mapping, in order of precedence:
 * - NOT_SYNCED: the VPD is outside the gateway's VPDs (ESR_VPDS), ESR does not list it, or it has never been synced.
 * - NOT_FOUND_IN_ESR: a check found no such record in ESR in that VPD (a typo on Manage User), and the
 *   synced role data does not know it either.
 * - STALE: the VPD's last successful sync is older than ACCESS_MAX_STALENESS; never ACTIVE from data that old.
 * - RECORD_INACTIVE: the synced data says the person's ESR record is not active (e.g. they left).
 * - ACTIVE: a role assignment's effective window contains now.
 * - PENDING_ACTIVATION: a role assignment becomes effective in the future (activation delay or start date).
 * - NO_ROLE: no current or future assignment of the role for this record.
 */
export const ACCESS_STATES = [
  'ACTIVE',
  'PENDING_ACTIVATION',
  'NO_ROLE',
  'RECORD_INACTIVE',
  'NOT_SYNCED',
  'STALE',
  'NOT_FOUND_IN_ESR',
] as const;
export type AccessState = (typeof ACCESS_STATES)[number];

/** Access for one mapping (one ESR record linked to the portal user). Instants are ISO-8601 UTC. */
export interface MappingAccess {
  vpd: string;
  employeeNumber: string;
  state: AccessState;
  /**
   * ACTIVE: since when access has been continuously granted. PENDING_ACTIVATION: when it will be.
   * NO_ROLE: start of the most recent, ended window (null if the record never held the role).
   * Null for RECORD_INACTIVE, NOT_SYNCED and STALE.
   */
  effectiveFrom: string | null;
  /** End (exclusive) of that window; null when open-ended or not applicable. */
  effectiveUntil: string | null;
  /** One sentence a person understands, UK local time. Also used for ESR_ACCESS_NOT_ACTIVE refusals. */
  reason: string;
  /** The VPD's last successful sync; null when never synced. */
  lastSyncedAt: string | null;
  /** ESR has confirmed the record exists (false while a check is outstanding or found nothing). */
  verified: boolean;
}

/** One mapped ESR record as access resolution reads it from the database. */
export interface MappedRecord {
  vpd: string;
  employeeNumber: string;
  verified: boolean;
  /** What the last ESR check found; null when not checked yet. */
  esrStatus: 'FOUND' | 'NOT_FOUND' | null;
}

/** The access object of the gateway API contract for one portal user. */
export interface UserAccess {
  portalUserId: string;
  /** True when at least one mapping is ACTIVE. */
  searchEnabled: boolean;
  /** VPDs (sorted, unique) in which at least one mapping is ACTIVE. */
  enabledVpds: string[];
  /** The instant the answer was computed for (Clock). */
  asOf: string;
  /** Earliest future effectiveFrom/effectiveUntil among the mappings; null if none. */
  nextChangeAt: string | null;
  /** In the order the mappings were created. Empty when the user has none. */
  mappings: MappingAccess[];
  /** Only when the user has no mappings: what to do (ask the LSA to add them via Manage User). */
  reason?: string;
}

/** Whether a user may search ESR in one VPD, and the sentence to show if not. */
export interface AccessDecision {
  allowed: boolean;
  /** The ACTIVE mapping when allowed; else the most relevant mapping in that VPD, or null if none is mapped there. */
  mapping: MappingAccess | null;
  /** The state of `mapping`, or null when the user has no mapping in that VPD. */
  state: AccessState | null;
  /** The reason sentence of `mapping`, or a sentence saying no record in that VPD is mapped to the user. */
  reason: string;
  /** The whole access object the decision was taken from. */
  access: UserAccess;
}
