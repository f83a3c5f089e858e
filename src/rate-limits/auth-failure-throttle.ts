import { Clock } from '../common/clock/clock';
import { RateCounter } from '../role-store/rate-counter';
import { hashedCaller } from './caller-budget';

/** Failures are counted per address in windows of a minute. */
const WINDOW_MS = 60_000;
/** The first block lasts a minute; each further block within a day doubles it (2, 4 ... 32 minutes). */
const MAX_DOUBLINGS = 5;
/** Blocks are counted in windows of a day; in the next one the address starts again at a minute. */
const STRIKE_WINDOW_MS = 86_400_000;
/** The refused addresses this replica remembers (the oldest refusals are dropped beyond it). */
const MAX_REMEMBERED = 10_000;

/** What one failure led to. */
export interface AuthThrottleDecision {
  /** Whether the failure was counted (false: the address was already refused, nothing was matched). */
  counted: boolean;
  /** Seconds to answer 429 for with this failure; 0: answer 401. */
  refusedForSeconds: number;
  /** True for the failure that reached the limit and started a block (audited once as a refusal). */
  blockedNow: boolean;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Throttling of failed keys and sign-ins per client address, in the shared RateCounter (Redis with
 * replicas, else in-process), addresses hashed (hashedCaller). The failure that reaches `limit` in a
 * minute blocks the address: every request from it is refused (429) until the block ends, a minute the
 * first time and twice as long for each further block within the day (backoff up to 32 minutes). A
 * block is also remembered in this replica (refusedFor, no I/O), so the address's requests are refused
 * before any key is matched, valid or not; other replicas learn it at the address's next failure.
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
    if (left > 0) return seconds(left);
    this.refused.delete(address);
    return 0;
  }

  /** Counts one failure of `address` and decides whether it is refused. */
  async fail(address: string): Promise<AuthThrottleDecision> {
    const who = hashedCaller(address);
    const block = await this.counter.hit(`auth-block:${who}`, WINDOW_MS, 0);
    if (block.count > 0) return { counted: false, refusedForSeconds: this.remember(address, block.resetMs), blockedNow: false };
    const window = await this.counter.hit(`auth-failures:${who}`, WINDOW_MS);
    if (window.count < this.limit) return { counted: true, refusedForSeconds: 0, blockedNow: false };
    const strikes = await this.counter.hit(`auth-strikes:${who}`, STRIKE_WINDOW_MS);
    const blockMs = WINDOW_MS * 2 ** Math.min(strikes.count - 1, MAX_DOUBLINGS);
    const started = await this.counter.hit(`auth-block:${who}`, blockMs);
    const refusedFor = this.remember(address, started.resetMs);
    // The failure that reaches the limit is still answered 401; any later one (a race) is refused.
    return { counted: true, refusedForSeconds: window.count > this.limit ? refusedFor : 0, blockedNow: started.count === 1 };
  }

  /** Remembers a refusal of `address` for `ms`: the seconds it lasts. */
  private remember(address: string, ms: number): number {
    this.refused.delete(address);
    this.refused.set(address, this.clock.nowMs() + ms);
    if (this.refused.size > MAX_REMEMBERED) this.refused.delete(this.refused.keys().next().value as string);
    return seconds(ms);
  }
}
