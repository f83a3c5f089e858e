import { Clock } from '../common/clock/clock';
import { RateCounter } from '../role-store/rate-counter';
import { hashedCaller } from './caller-budget';

/** The first window of failures: AUTH_FAILURES_PER_MINUTE per address per minute. */
const BASE_WINDOW_MS = 60_000;
/** Each window overrun doubles the next window (1, 2, 4 ... 32 minutes): the allowed rate halves. */
const MAX_LEVEL = 5;
/** Overruns are remembered this long; after an hour without one the address starts again at a minute. */
const STRIKE_WINDOW_MS = 3_600_000;
/** The refused addresses this replica remembers (the oldest refusals are dropped beyond it). */
const MAX_REMEMBERED = 10_000;

/** What one failure led to: the failures counted in its window, and how long the address is now refused (0: not). */
export interface AuthThrottleDecision {
  count: number;
  refusedForSeconds: number;
  /** True for the failure that first went over the limit in its window (audited once as a refusal). */
  firstRefusal: boolean;
}

/**
 * Throttling of failed keys and sign-ins per client address, in the shared RateCounter (Redis with
 * replicas, else in-process), addresses hashed (hashedCaller). `limit` failures are allowed per window;
 * the next is refused until the window ends. Each overrun (a "strike", remembered an hour) doubles the
 * next window, so a client that keeps failing waits longer and longer (backoff up to 32 minutes).
 * A refusal is also remembered in this replica (refusedFor, no I/O), so that the address's next
 * requests are refused before any key is matched, valid or not.
 */
export class AuthFailureThrottle {
  private readonly refused = new Map<string, number>();

  constructor(
    private readonly counter: RateCounter,
    private readonly clock: Clock,
    private readonly limit: number,
  ) {}

  /** Seconds until `address` may try again, as this replica knows it; 0 when it is not refused. */
  refusedFor(address: string): number {
    const until = this.refused.get(address);
    if (until === undefined) return 0;
    const left = until - this.clock.nowMs();
    if (left > 0) return Math.ceil(left / 1000);
    this.refused.delete(address);
    return 0;
  }

  /** Counts one failure of `address` and decides whether it is now refused. */
  async fail(address: string): Promise<AuthThrottleDecision> {
    const who = hashedCaller(address);
    const strikes = await this.counter.hit(`auth-strikes:${who}`, STRIKE_WINDOW_MS, 0);
    const level = Math.min(strikes.count, MAX_LEVEL);
    const window = await this.counter.hit(`auth-failures:${who}:${level}`, BASE_WINDOW_MS * 2 ** level);
    if (window.count <= this.limit) return { count: window.count, refusedForSeconds: 0, firstRefusal: false };
    const firstRefusal = window.count === this.limit + 1;
    if (firstRefusal) await this.counter.hit(`auth-strikes:${who}`, STRIKE_WINDOW_MS);
    this.remember(address, this.clock.nowMs() + window.resetMs);
    return { count: window.count, refusedForSeconds: Math.max(1, Math.ceil(window.resetMs / 1000)), firstRefusal };
  }

  private remember(address: string, until: number): void {
    this.refused.delete(address);
    this.refused.set(address, until);
    if (this.refused.size > MAX_REMEMBERED) this.refused.delete(this.refused.keys().next().value as string);
  }
}
