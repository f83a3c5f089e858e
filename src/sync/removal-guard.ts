export interface RemovalGuardSettings {
  /** Hold when removals exceed this share (percent) of the VPD's holders. */
  percent: number;
  /** Hold when removals exceed this number; undefined = no count limit. */
  count?: number;
}

export interface RemovalGuardInput {
  /** Role assignments in the live data before the run. */
  liveHolders: number;
  /** Assignments the full listing returned. */
  listed: number;
  /** Live assignments missing from the listing. */
  removals: number;
}

export type RemovalGuardReason = 'ZERO_LISTED' | 'OVER_COUNT' | 'OVER_PERCENT';

export interface RemovalGuardDecision {
  hold: boolean;
  reason: RemovalGuardReason | null;
}

/**
 * Whether a full run's removals must be held for ops: when ESR lists nobody for a VPD that had
 * holders, or the removals are more than the configured number or share of the holders.
 */
export function removalGuard(input: RemovalGuardInput, settings: RemovalGuardSettings): RemovalGuardDecision {
  const { liveHolders, listed, removals } = input;
  if (removals <= 0) return { hold: false, reason: null };
  if (liveHolders > 0 && listed === 0) return { hold: true, reason: 'ZERO_LISTED' };
  if (settings.count !== undefined && removals > settings.count) return { hold: true, reason: 'OVER_COUNT' };
  if (liveHolders > 0 && removals * 100 > settings.percent * liveHolders) return { hold: true, reason: 'OVER_PERCENT' };
  return { hold: false, reason: null };
}
