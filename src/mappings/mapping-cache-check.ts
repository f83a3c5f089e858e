import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AccessSettings } from '../config/settings/access.settings';
import { JobRunner } from '../jobs/job-runner';
import { JobScheduler } from '../jobs/job-scheduler';
import { MappingsService } from './mappings.service';
import { MappingCache, MirroredMapping, MirrorEntry, mirrored, sameRecords } from '../mapping-cache/mapping-cache';
import { MappingCacheMetrics } from '../mapping-cache/mapping-cache.metrics';

/** A hold older than this belongs to a writer that will not release it (a write takes seconds at most). */
export const STALE_HOLD_MS = 5 * 60_000;
/** Cached users compared per database query. */
const PAGE = 500;
export const MAPPING_CACHE_CHECK_JOB = 'mapping-cache-check';

export interface CheckOutcome {
  outcome: 'succeeded' | 'failed' | 'skipped';
  checked: number;
  drift: number;
  staleHolds: number;
  error?: string;
}

/**
 * The mapping mirror's consistency check: every MAPPING_CACHE_CHECK_INTERVAL one replica (an exclusive job)
 * compares every cached user's mappings with the database, a page at a time (one query per page),
 * drops entries that differ (the next read caches them again from the database) and clears holds
 * of writers that never released. Repairs are compare-and-set, so a write racing the check wins.
 * run() never throws; outcomes go to the log and the esr_gateway_mapping_cache_* metrics.
 */
@Injectable()
export class MappingCacheCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(MappingCacheCheck.name);
  private running?: Promise<CheckOutcome>;

  constructor(
    private readonly mirror: MappingCache,
    private readonly mappings: MappingsService,
    private readonly jobs: JobRunner,
    private readonly schedule: JobScheduler,
    private readonly settings: AccessSettings,
    private readonly clock: Clock,
    private readonly metrics: MappingCacheMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule.every(MAPPING_CACHE_CHECK_JOB, this.settings.mappingCacheCheckIntervalMs, () => this.run());
  }

  /** One pass over the mirror (joins a pass already running on this replica). */
  run(): Promise<CheckOutcome> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<CheckOutcome> {
    const outcome: CheckOutcome = { outcome: 'succeeded', checked: 0, drift: 0, staleHolds: 0 };
    try {
      const ttlMs = Math.max(60_000, this.settings.mappingCacheCheckIntervalMs / 2);
      const run = await this.jobs.exclusive({ name: MAPPING_CACHE_CHECK_JOB, ttlMs }, (_lease, signal) => this.checkAll(outcome, signal));
      if (!run.ran) {
        this.metrics.checkEnded('skipped');
        return { ...outcome, outcome: 'skipped' };
      }
      this.metrics.repaired('drift', outcome.drift);
      this.metrics.repaired('stale_hold', outcome.staleHolds);
      this.metrics.checkEnded('succeeded', outcome.checked, this.clock.nowMs());
      if (outcome.drift + outcome.staleHolds > 0) this.logger.warn({ ...outcome }, 'mapping mirror repaired');
      return outcome;
    } catch (error) {
      this.metrics.repaired('drift', outcome.drift);
      this.metrics.repaired('stale_hold', outcome.staleHolds);
      this.metrics.checkEnded('failed');
      const message = (error as Error).message;
      this.logger.error({ error: message }, 'mapping mirror consistency check failed');
      return { ...outcome, outcome: 'failed', error: message };
    }
  }

  /** Every page of the mirror, until the last or until `signal` aborts. */
  private async checkAll(outcome: CheckOutcome, signal: AbortSignal): Promise<void> {
    let cursor = '0';
    do {
      signal.throwIfAborted();
      const page = await this.mirror.scan(cursor, PAGE);
      cursor = page.cursor;
      await this.checkPage(page.entries, outcome);
    } while (cursor !== '0');
  }

  private async checkPage(entries: MirrorEntry[], outcome: CheckOutcome): Promise<void> {
    const staleBefore = this.clock.nowMs() - STALE_HOLD_MS;
    for (const entry of entries) {
      if (entry.writers > 0 && entry.heldAtMs < staleBefore)
        outcome.staleHolds += await this.mirror.clearStaleHolds(entry.portalUserId, staleBefore);
    }
    const cached = entries.filter((e) => e.writers === 0 && e.records !== null);
    if (cached.length === 0) return;
    const actual = new Map<string, MirroredMapping[]>();
    for (const row of await this.mappings.listForUsers(cached.map((e) => e.portalUserId))) {
      actual.set(row.portalUserId, [...(actual.get(row.portalUserId) ?? []), mirrored(row)]);
    }
    outcome.checked += cached.length;
    for (const entry of cached) {
      // An empty list in an entry is a permanent negative written before issue 21: never kept.
      const records = entry.records as MirroredMapping[];
      if (records.length > 0 && sameRecords(records, actual.get(entry.portalUserId) ?? [])) continue;
      if (await this.mirror.dropIfUnchanged(entry)) outcome.drift++;
    }
  }
}
