import { EsrBudgetAnswer, EsrBudgetLane, EsrBudgetRule, EsrBudgetStore, laneCap } from './esr-budget';
import { SlidingWindowLog } from './sliding-window-log';

/**
 * One process's ESR budget (the embedded default, and what every pod did before the budget was
 * shared): a sliding-window log (SlidingWindowLog) held until one window after each answer. Time
 * from `now` (monotonic milliseconds; tests drive it).
 */
export class MemoryEsrBudget extends EsrBudgetStore {
  readonly kind = 'local' as const;
  private log?: SlidingWindowLog;

  constructor(private readonly now: () => number = () => performance.now()) {
    super();
  }

  async take(lane: EsrBudgetLane, rule: EsrBudgetRule): Promise<EsrBudgetAnswer> {
    const log = this.logFor(rule);
    const now = this.now();
    const used = log.used(now);
    if (used >= laneCap(lane, rule.limit, rule.reservePercent)) {
      // The next place to free by time alone; while every place is in flight, look again in a window.
      const next = log.nextExpiry(now);
      return { granted: false, retryInMs: next === undefined ? rule.windowMs : Math.max(1, Math.ceil(next - now)), used, source: 'local' };
    }
    log.start();
    let finished = false;
    const place = {
      finish: () => {
        if (finished) return;
        finished = true;
        log.finish(this.now());
      },
    };
    return { granted: true, place, used: used + 1, source: 'local' };
  }

  private logFor(rule: EsrBudgetRule): SlidingWindowLog {
    if (!this.log || this.log.limit !== rule.limit || this.log.windowMs !== rule.windowMs)
      this.log = new SlidingWindowLog(rule.limit, rule.windowMs);
    return this.log;
  }
}
