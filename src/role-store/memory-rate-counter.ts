import { Clock } from '../common/clock/clock';
import { Expiring, liveEntry } from './memory-expiring';
import { RateCounter, RateWindow } from './rate-counter';

/** Swept of expired windows once it holds more keys than this. */
const SWEEP_ABOVE = 10_000;

/** In-process fixed-window counters (embedded default: one instance). */
export class MemoryRateCounter extends RateCounter {
  private readonly counters = new Map<string, Expiring<number>>();

  constructor(private readonly clock: Clock = new Clock()) {
    super();
  }

  async hit(key: string, windowMs: number, amount = 1): Promise<RateWindow> {
    const now = this.clock.nowMs();
    const entry = liveEntry(this.counters, key, now) ?? { value: 0, expiresAt: now + windowMs };
    // As in Redis (HIT_WINDOW): a window still at zero (only peeked at, amount 0) starts again with this hit.
    if (entry.value === 0) entry.expiresAt = now + windowMs;
    entry.value += amount;
    this.counters.set(key, entry);
    if (this.counters.size > SWEEP_ABOVE) this.sweep(now);
    return { count: entry.value, resetMs: entry.expiresAt - now };
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.counters) if (entry.expiresAt <= now) this.counters.delete(key);
  }
}
