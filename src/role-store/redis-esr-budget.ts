import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  EsrBudgetAnswer,
  EsrBudgetLane,
  EsrBudgetPlace,
  EsrBudgetRule,
  EsrBudgetStore,
  fallbackLimit,
  laneCap,
  waitForPlace,
} from './esr-budget';
import { OwnPlaces } from './esr-budget-own-places';
import type { RedisConnection } from './redis-connection';

/** Longest a take waits for Redis before this pod falls back to its own share. */
const TAKE_TIMEOUT_MS = 250;
/** While Redis is away, how often a take tries it again. */
const PROBE_EVERY_MS = 1000;
/** How long a number of replicas seen in the window counts for the per-pod share. */
const REPLICAS_SEEN_FOR_MS = 10 * 60_000;

/** While the window is full, how often a lane looks again at most (places in flight free when their answer is reported). */
const pollEvery = (rule: EsrBudgetRule): number => Math.max(5, Math.ceil(rule.windowMs / rule.limit / 4));

/**
 * ESR's budget in Redis, one sliding window for every replica: one script per take
 * (redis-esr-budget.scripts.ts) checks the lane's cap, records the place and, when refused, says
 * when one frees; it also carries this pod's answers since its last take (OwnPlaces), so a place
 * holds until one window after its answer without a round trip of its own. Time is Redis's.
 *
 * While Redis is away (an error, or no answer within 250 ms) this pod takes from its own share:
 * the limit divided by the most replicas known (ESR_RATE_LIMIT_REPLICAS, or as many as held places
 * in the window over the last ten minutes), counting its own places, after waiting two windows from
 * the failure (places other pods took before it may still be held). Back on Redis, it reports the
 * places it took meanwhile and keeps to its share for two more windows. Logs both switches.
 */
export class RedisEsrBudget extends EsrBudgetStore {
  readonly kind = 'shared' as const;
  private readonly logger = new Logger('EsrBudget');
  private readonly pod = randomUUID().slice(0, 8);
  private readonly own = new OwnPlaces();
  private seq = 0;
  private awaySince?: number;
  private probeAt = 0;
  private shareUntil = Number.NEGATIVE_INFINITY;
  private replicasSeen = { count: 0, at: Number.NEGATIVE_INFINITY };

  constructor(
    private readonly connection: RedisConnection,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
  }

  async take(lane: EsrBudgetLane, rule: EsrBudgetRule): Promise<EsrBudgetAnswer> {
    const now = this.now();
    this.own.prune(now, rule);
    if (this.awaySince !== undefined && now < this.probeAt) return this.takeOwnShare(lane, rule, now, this.awaySince);
    if (now < this.shareUntil) {
      const refused = this.ownShareRefusal(lane, rule, now);
      if (refused) return refused;
    }
    const member = `${this.pod}:${++this.seq}`;
    const corrections = this.own.corrections(now, rule);
    let timedOut = false;
    try {
      const [taken, used, retryInMs, pods] = await this.withTimeout(this.script(lane, rule, member, corrections), () => (timedOut = true));
      this.own.sent(corrections);
      this.back(now, rule);
      this.saw(pods, now);
      // A place still in flight frees when its answer is reported, sooner than the script can know.
      if (!taken) return { granted: false, retryInMs: Math.min(retryInMs, pollEvery(rule)), used, source: 'shared' };
      this.own.add(member, now, true);
      return { granted: true, place: this.placeOf(member), used, source: 'shared' };
    } catch (error) {
      // A late answer may still have taken the place: count it, held one window from now.
      if (timedOut) {
        this.own.add(member, now, true);
        this.own.finish(member, now);
      }
      this.away(now, error);
      return this.takeOwnShare(lane, rule, now, this.awaySince ?? now);
    }
  }

  private script(lane: EsrBudgetLane, rule: EsrBudgetRule, member: string, corrections: Array<[string, number]>) {
    const { redis, keys } = this.connection;
    const cap = laneCap(lane, rule.limit, rule.reservePercent);
    return redis.takeEsrBudget(keys.esrBudget(), cap, rule.windowMs + rule.holdMs, member, ...corrections.flat());
  }

  private withTimeout<T>(work: Promise<T>, onTimeout: () => void): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        reject(new Error(`no answer from Redis within ${TAKE_TIMEOUT_MS} ms`));
      }, TAKE_TIMEOUT_MS);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  /** This pod's share while Redis is away: nothing for two windows after the failure, then the share. */
  private takeOwnShare(lane: EsrBudgetLane, rule: EsrBudgetRule, now: number, since: number): EsrBudgetAnswer {
    const used = this.own.freesAt(now, rule).length;
    const pauseEnds = since + 2 * rule.windowMs;
    if (now < pauseEnds) return { granted: false, retryInMs: Math.ceil(pauseEnds - now), used, source: 'fallback' };
    const refused = this.ownShareRefusal(lane, rule, now);
    if (refused) return refused;
    const member = `${this.pod}:${++this.seq}`;
    this.own.add(member, now, false);
    return { granted: true, place: this.placeOf(member), used: used + 1, source: 'fallback' };
  }

  private ownShareRefusal(lane: EsrBudgetLane, rule: EsrBudgetRule, now: number): EsrBudgetAnswer | undefined {
    const share = fallbackLimit(rule.limit, rule.replicas, this.replicasSeen.count);
    const freesAt = this.own.freesAt(now, rule);
    const wait = waitForPlace(freesAt, laneCap(lane, share, rule.reservePercent), now);
    return wait > 0 ? { granted: false, retryInMs: wait, used: freesAt.length, source: 'fallback' } : undefined;
  }

  private placeOf(member: string): EsrBudgetPlace {
    return { finish: () => this.own.finish(member, this.now()) };
  }

  private saw(pods: number, now: number): void {
    const seen = this.replicasSeen;
    if (pods >= seen.count || now - seen.at > REPLICAS_SEEN_FOR_MS) this.replicasSeen = { count: pods, at: now };
  }

  private away(now: number, error: unknown): void {
    this.probeAt = now + PROBE_EVERY_MS;
    if (this.awaySince !== undefined) return;
    this.awaySince = now;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(`ESR budget: Redis is away (${reason}); this pod keeps to its own share of ESR's limit`);
  }

  private back(now: number, rule: EsrBudgetRule): void {
    if (this.awaySince === undefined) return;
    this.awaySince = undefined;
    this.shareUntil = now + 2 * rule.windowMs;
    this.logger.log('ESR budget: Redis is back; the budget is shared again');
  }
}
