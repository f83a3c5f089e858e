/**
 * What the access monitor reads from and asks of the mappings, each behind one narrow interface so
 * access-change detection does not depend on how the mappings are stored or checked against ESR
 * (MappingsModule binds them; AccessMonitorModule.withSources imports the module that does).
 */

/** The mapped VPDs and, per VPD, its mappings (the monitor re-evaluates their users). */
export const MAPPED_USERS_SOURCE = Symbol('MAPPED_USERS_SOURCE');
export interface MappedUsersSource {
  /** VPDs with at least one mapping, sorted. */
  mappedVpds(): Promise<string[]>;
  /** The mappings of one VPD. */
  listVpd(vpd: string): Promise<Array<{ portalUserId: string }>>;
}

/** What one background verification pass did. */
export interface VerifyOutcome {
  checked: number;
  verified: number;
  notFound: number;
  unknown: number;
}

/** The mappings' ESR checks: made due again when a VPD's sync succeeds, and one pass over the due ones. */
export const MAPPING_CHECKS_SOURCE = Symbol('MAPPING_CHECKS_SOURCE');
export interface MappingChecksSource {
  /** Makes every unconfirmed mapping of a VPD due for a check now (its role data just changed). */
  requeueUnverified(vpd: string): Promise<number>;
  /** One pass over the mappings due for a check. Never throws. */
  verifyDue(): Promise<VerifyOutcome>;
}
