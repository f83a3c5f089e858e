/**
 * What access needs from the sync: fetch some people's role assignments from ESR now and replace
 * their rows in the role store (same window rules as a sync), for a user just given the role. Also
 * the injection token (SyncModule provides EsrRecordRefresher).
 */
export abstract class RecordRefresher {
  /**
   * Written only if the live data did not change since it was read (else read again, up to 3 times),
   * so a refresh never overwrites what a sync wrote after it; during a full run the rows also go into
   * the generation being built, so the switch does not lose them. No-op for a VPD never synced.
   * VALIDATION_FAILED for a malformed VPD; ESR failures propagate.
   */
  abstract refreshRecords(vpd: string, employeeNumbers: string[]): Promise<void>;
}
