import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { AuditSettings } from '../config/settings/audit.settings';
import { SyncSettings } from '../config/settings/sync.settings';
import { JobRunner } from '../jobs/job-runner';
import { JobScheduler } from '../jobs/job-scheduler';
import { AuditEvent } from '../database/audit-event.entity';
import { AuditMetrics } from './audit.metrics';

export const AUDIT_PURGE_LEASE = 'audit-purge';
export const AUDIT_PURGE_JOB = 'audit-purge';
/** Daily, at a quiet hour (UK time), away from the full sync at 02:30. */
export const AUDIT_PURGE_CRON = '45 3 * * *';
/** Rows per DELETE statement: short transactions, no long locks on the audit table. */
export const AUDIT_PURGE_BATCH = 5000;
const LEASE_TTL_MS = 30 * 60_000;

export interface PurgeOutcome {
  ran: boolean;
  purged: number;
  /** Events that occurred before this instant were purged. */
  cutoff: string;
}

/**
 * AUDIT_RETENTION: deletes audit events older than the retention in batches of AUDIT_PURGE_BATCH
 * (oldest first), on one replica at a time (an exclusive job: the audit-purge lease), counting the
 * rows in esr_gateway_audit_events_purged_total. Scheduled daily when SYNC_ENABLED. Never throws.
 */
@Injectable()
export class AuditPurgeService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuditPurgeService.name);

  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    private readonly jobs: JobRunner,
    private readonly schedule: JobScheduler,
    private readonly settings: AuditSettings,
    private readonly sync: SyncSettings,
    private readonly clock: Clock,
    private readonly metrics: AuditMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (this.sync.enabled) this.schedule.cron(AUDIT_PURGE_JOB, AUDIT_PURGE_CRON, () => this.purge());
  }

  async purge(): Promise<PurgeOutcome> {
    const cutoff = new Date(this.clock.nowMs() - this.settings.retentionMs);
    const outcome: PurgeOutcome = { ran: false, purged: 0, cutoff: cutoff.toISOString() };
    try {
      await this.jobs.exclusive({ name: AUDIT_PURGE_JOB, lease: AUDIT_PURGE_LEASE, ttlMs: LEASE_TTL_MS }, async (_lease, signal) => {
        outcome.ran = true;
        await this.purgeBefore(cutoff, signal, outcome);
        this.logger.log({ msg: 'audit events purged', purged: outcome.purged, cutoff: outcome.cutoff });
      });
    } catch (error) {
      this.logger.warn({ msg: 'audit purge failed', purged: outcome.purged, error: (error as Error).message });
    }
    return outcome;
  }

  /** Deletes the events before `cutoff` a batch at a time, oldest first, until none is left or `signal` aborts. */
  private async purgeBefore(cutoff: Date, signal: AbortSignal, outcome: PurgeOutcome): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      const batch = await this.events.find({
        select: { id: true },
        where: { occurredAt: LessThan(cutoff) },
        order: { id: 'ASC' },
        take: AUDIT_PURGE_BATCH,
      });
      if (batch.length === 0) return;
      const result = await this.events.delete({ id: In(batch.map((e) => e.id)) });
      const deleted = result.affected ?? batch.length;
      outcome.purged += deleted;
      this.metrics.purged(deleted);
      if (batch.length < AUDIT_PURGE_BATCH) return;
    }
  }
}
