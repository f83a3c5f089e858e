export interface RemovalGuardSettings {
  /** Hold when removals exceed this share (percent) of the VPD's holders. */
  percent: number;
  /** Hold when removals exceed this number; undefined = no count limit. */
  count?: number;
}

export interface RemovalGuardInput {
  /** Role assignments in the live data before the run (held ones included). */
  liveHolders: number;
  /** Assignments the run leaves in place: a full run's listing; an incremental run's live ones it does not delete. */
  listed: number;
  /** Live assignments the run would remove (a full run: missing from the listing; an incremental run: deleted by the feed). */
  removals: number;
  /** Removals already held for a decision before the run (0 when none). */
  alreadyHeld?: number;
}

export type RemovalGuardReason = 'ALREADY_HELD' | 'ZERO_LISTED' | 'OVER_COUNT' | 'OVER_PERCENT';

export interface RemovalGuardDecision {
  hold: boolean;
  reason: RemovalGuardReason | null;
}

/**
 * Whether a run's removals, full or incremental, must be held for ops: while earlier removals of the
 * VPD wait for a decision (they join them), when nothing would be left of a VPD that had holders, or
 * when the removals are more than the configured number or share of the holders.
 */
export function removalGuard(input: RemovalGuardInput, settings: RemovalGuardSettings): RemovalGuardDecision {
  const { liveHolders, listed, removals } = input;
  if (removals <= 0) return { hold: false, reason: null };
  if ((input.alreadyHeld ?? 0) > 0) return { hold: true, reason: 'ALREADY_HELD' };
  if (liveHolders > 0 && listed === 0) return { hold: true, reason: 'ZERO_LISTED' };
  if (settings.count !== undefined && removals > settings.count) return { hold: true, reason: 'OVER_COUNT' };
  if (liveHolders > 0 && removals * 100 > settings.percent * liveHolders) return { hold: true, reason: 'OVER_PERCENT' };
  return { hold: false, reason: null };
}
