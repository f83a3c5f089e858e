import type { SyncStateName } from './sync-state';

/**
 * How a served VPD looks to the people who run the gateway, from its sync status: the verdict the
 * CLI's exit code and the status page's colours both use. Pure.
 * - OK: IDLE (or RUNNING) with a last success younger than the allowed staleness.
 * - FAILED / HELD: the sync state says so (the last attempt failed; removals wait for ops).
 * - STALE: the last success is older than the allowed staleness, or there was none: access is not
 *   granted from such data (ACCESS_MAX_STALENESS).
 */
export const VPD_HEALTH = ['OK', 'STALE', 'HELD', 'FAILED'] as const;
export type VpdHealth = (typeof VPD_HEALTH)[number];

export interface VpdHealthInput {
  state: SyncStateName;
  lastSuccessAt: string | null;
}

export function vpdHealth(vpd: VpdHealthInput, nowMs: number, maxStalenessMs: number): VpdHealth {
  if (vpd.state === 'FAILED') return 'FAILED';
  if (vpd.state === 'HELD') return 'HELD';
  const last = vpd.lastSuccessAt === null ? Number.NaN : Date.parse(vpd.lastSuccessAt);
  if (!Number.isFinite(last) || nowMs - last > maxStalenessMs) return 'STALE';
  return 'OK';
}

/** True when every VPD is OK (an empty list is healthy: nothing is served that could be wrong). */
export function allHealthy(vpds: VpdHealthInput[], nowMs: number, maxStalenessMs: number): boolean {
  return vpds.every((v) => vpdHealth(v, nowMs, maxStalenessMs) === 'OK');
}
