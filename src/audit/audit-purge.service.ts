import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Counter } from 'prom-client';
import { In, LessThan, Repository } from 'typeorm';
import { LeaseStore } from '../role-store/lease.store';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { UK_ZONE } from '../domain/uk-time';
import { MetricsService } from '../metrics/metrics.service';
import { AuditEvent } from './audit-event.entity';

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
 * (oldest first), on one replica at a time (the audit-purge lease), counting the rows in
 * esr_gateway_audit_events_purged_total. Scheduled daily when SYNC_ENABLED. Never throws.
 */
@Injectable()
export class AuditPurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditPurgeService.name);
  private readonly holderId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly purgedTotal: Counter;

  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    private readonly leases: LeaseStore,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly registry: SchedulerRegistry,
    metrics: MetricsService,
  ) {
    this.purgedTotal = metrics.counter({
      name: 'esr_gateway_audit_events_purged_total',
      help: 'Audit events deleted by the AUDIT_RETENTION purge',
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.syncEnabled) return;
    const job = CronJob.from({ cronTime: AUDIT_PURGE_CRON, onTick: () => void this.purge(), timeZone: UK_ZONE, start: true });
    this.registry.addCronJob(AUDIT_PURGE_JOB, job);
  }

  onApplicationShutdown(): void {
    if (this.registry.doesExist('cron', AUDIT_PURGE_JOB)) this.registry.deleteCronJob(AUDIT_PURGE_JOB);
  }

  async purge(): Promise<PurgeOutcome> {
    const cutoff = new Date(this.clock.nowMs() - this.config.auditRetentionMs);
    const outcome: PurgeOutcome = { ran: false, purged: 0, cutoff: cutoff.toISOString() };
    let lease;
    try {
      lease = await this.leases.acquire(AUDIT_PURGE_LEASE, this.holderId, LEASE_TTL_MS);
      if (!lease) return outcome;
      outcome.ran = true;
      for (;;) {
        const batch = await this.events.find({
          select: { id: true },
          where: { occurredAt: LessThan(cutoff) },
          order: { id: 'ASC' },
          take: AUDIT_PURGE_BATCH,
        });
        if (batch.length === 0) break;
        const result = await this.events.delete({ id: In(batch.map((e) => e.id)) });
        const deleted = result.affected ?? batch.length;
        outcome.purged += deleted;
        this.purgedTotal.inc(deleted);
        if (batch.length < AUDIT_PURGE_BATCH) break;
      }
      this.logger.log({ msg: 'audit events purged', purged: outcome.purged, cutoff: outcome.cutoff });
    } catch (error) {
      this.logger.warn({ msg: 'audit purge failed', purged: outcome.purged, error: (error as Error).message });
    } finally {
      if (lease) await this.leases.release(lease).catch(() => undefined);
    }
    return outcome;
  }
}
