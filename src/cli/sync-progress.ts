import type { SyncRun, SyncStatusVpd } from './api.types';
import { count } from './format';

/** What the CLI shows for one VPD of a followed run. */
export interface VpdProgressView {
  vpd: string;
  /** waiting: not reached yet; the run's phases while working; done: a result is in. */
  phase: 'waiting' | 'starting' | 'listing' | 'changes' | 'comparing' | 'switching' | 'finishing' | 'done';
  processed: number;
  /** Expected items (a full listing: the VPD's holders before the run); null when unknown. */
  total: number | null;
  /** 0-100, or null when there is no way to tell (an incremental change feed). */
  percent: number | null;
  ratePerSecond: number | null;
  etaMs: number | null;
  outcome?: 'succeeded' | 'held' | 'failed';
  /** When done: "+3 ~0 -1" (and held removals). */
  changes?: string;
}

interface Seen {
  processed: number;
  firstAt: number;
  firstProcessed: number;
  lastAt: number;
}

/**
 * Turns what the gateway says about a run (GET /v1/sync/runs/{id}) and about each VPD (the `progress`
 * of GET /v1/sync/status) into per-VPD progress. The rate is measured by the CLI from its own polls
 * (the server's clock is not compared with the local one); the ETA divides what is left of the
 * expected total by that rate. A full listing is expected to be about as long as the VPD's role
 * holders before the run; an incremental change feed has no known length, so it shows no percentage
 * until it ends. Pure apart from the observations it keeps.
 */
export class SyncProgressTracker {
  private readonly seen = new Map<string, Seen>();

  /** `estimates`: holders per VPD before the run (0 or absent: unknown). */
  constructor(private readonly estimates: ReadonlyMap<string, number>) {}

  view(vpd: string, run: SyncRun, status: SyncStatusVpd | undefined, nowMs: number): VpdProgressView {
    const result = run.vpds.find((r) => r.vpd === vpd);
    const seen = this.seen.get(vpd);
    if (result) {
      const processed = seen?.processed ?? 0;
      const held = result.held ? ` (${count(result.held)} held)` : '';
      const changes = `+${count(result.added)} ~${count(result.updated)} -${count(result.removed)}${held}`;
      return {
        vpd,
        phase: 'done',
        processed,
        total: processed,
        percent: 100,
        ratePerSecond: null,
        etaMs: 0,
        outcome: result.status,
        changes,
      };
    }
    const progress = status?.progress && status.progress.runId === run.runId ? status.progress : null;
    if (!progress && seen) {
      // Read to the end; the result is not in yet.
      return { vpd, phase: 'finishing', processed: seen.processed, total: seen.processed, percent: 99, ratePerSecond: null, etaMs: null };
    }
    if (!progress) {
      const starting = run.progress.currentVpd === vpd;
      return {
        vpd,
        phase: starting ? 'starting' : 'waiting',
        processed: seen?.processed ?? 0,
        total: null,
        percent: starting ? 0 : null,
        ratePerSecond: null,
        etaMs: null,
      };
    }
    const processed = progress.processed;
    const s = this.observe(vpd, processed, nowMs);
    const elapsed = (s.lastAt - s.firstAt) / 1000;
    const ratePerSecond = elapsed >= 0.2 ? (processed - s.firstProcessed) / elapsed : null;
    const phase = progress.phase as VpdProgressView['phase'];
    const estimate = this.estimates.get(vpd) ?? 0;
    let total: number | null = null;
    let percent: number | null = null;
    if (progress.mode === 'full') {
      // The listing is over once comparing starts: what was read is the whole of it.
      total = phase === 'listing' ? (estimate > 0 ? Math.max(estimate, processed) : null) : processed;
      if (total !== null) percent = phase === 'listing' ? Math.min(99, (processed / Math.max(total, 1)) * 100) : 99;
    }
    const etaMs = total !== null && ratePerSecond && ratePerSecond > 0 ? ((total - processed) / ratePerSecond) * 1000 : null;
    return { vpd, phase, processed, total, percent, ratePerSecond, etaMs };
  }

  private observe(vpd: string, processed: number, nowMs: number): Seen {
    let s = this.seen.get(vpd);
    if (!s) {
      s = { processed, firstAt: nowMs, firstProcessed: processed, lastAt: nowMs };
      this.seen.set(vpd, s);
    }
    s.processed = processed;
    s.lastAt = nowMs;
    return s;
  }
}

/** The VPDs of a run, in a stable order: the ones asked for, then any the run reports besides. */
export function runVpds(initial: string[], run: SyncRun): string[] {
  const out = [...initial];
  for (const v of [...run.vpds.map((r) => r.vpd), run.progress.currentVpd]) if (v && !out.includes(v)) out.push(v);
  return out;
}
