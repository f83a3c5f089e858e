/**
 * The pure decisions of running a job: when to renew a lease, when a renewal is too late, and
 * what a run's outcome was.
 */

/** How a job run ended, as counted in esr_gateway_job_runs_total{outcome}. */
export const JOB_OUTCOMES = ['succeeded', 'failed', 'skipped', 'lease_lost', 'interrupted'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/** Why a job's signal was aborted. */
export type InterruptCause = 'lease_lost' | 'shutdown';

/** A held lease is renewed this often: three chances before it expires (at least every 20 ms). */
export function renewalIntervalMs(ttlMs: number): number {
  return Math.max(20, Math.floor(ttlMs / 3));
}

/** After a failed renewal (store unreachable), the lease must be taken as lost once a TTL passed since the last success. */
export function renewalLate(lastRenewedAtMs: number, nowMs: number, ttlMs: number): boolean {
  return nowMs - lastRenewedAtMs >= ttlMs;
}

/** The outcome of a run that held its lease: an abort wins over how the work ended. */
export function heldRunOutcome(threw: boolean, interrupted: InterruptCause | null): JobOutcome {
  if (interrupted === 'lease_lost') return 'lease_lost';
  if (interrupted === 'shutdown') return 'interrupted';
  return threw ? 'failed' : 'succeeded';
}
