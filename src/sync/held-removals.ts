import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { RoleGenerations } from '../role-store/role-generations';
import { RoleReads } from '../role-store/role-reads';
import { REMOVAL_SCAN_COUNT } from './full-sync';
import { SyncLease } from './sync-lease';
import { SyncMetrics } from './sync.metrics';
import { DecisionActor, HeldRemovalsDecision, SYNC_OPTIONS, SyncOptions } from './sync.types';

/** How long approve/reject waits for a running sync to finish. */
const HELD_DECISION_LEASE_WAIT_MS = 10_000;
/** The decisions' name in the job metrics (they hold the sync lease). */
const HELD_REMOVALS_JOB = 'sync-held-removals';

/**
 * Ops' decisions on the removals the removal guard held: approve applies them, reject keeps the rows.
 * Both hold the sync lease (CONFLICT while a run goes on) and are audited before the change.
 */
@Injectable()
export class HeldRemovalsService {
  private readonly logger = new Logger(HeldRemovalsService.name);
  private readonly leaseWaitMs: number;

  constructor(
    private readonly store: RoleReads,
    private readonly generations: RoleGenerations,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly lease: SyncLease,
    private readonly metrics: SyncMetrics,
    @Optional() @Inject(SYNC_OPTIONS) options: SyncOptions = {},
  ) {
    this.leaseWaitMs = options.heldDecisionLeaseWaitMs ?? HELD_DECISION_LEASE_WAIT_MS;
  }

  /** Applies a VPD's held removals (audited). NOT_FOUND when nothing is held; CONFLICT while a run goes on. */
  approve(vpd: string, by: DecisionActor): Promise<HeldRemovalsDecision> {
    return this.decide(vpd, by, 'approved');
  }

  /** Discards a VPD's held removals, keeping the rows (audited). */
  reject(vpd: string, by: DecisionActor): Promise<HeldRemovalsDecision> {
    return this.decide(vpd, by, 'rejected');
  }

  private async decide(vpd: string, by: DecisionActor, decision: 'approved' | 'rejected'): Promise<HeldRemovalsDecision> {
    const outcome = await this.lease.runAs(HELD_REMOVALS_JOB, this.leaseWaitMs, async (lease) => {
      const meta = (await this.store.readVpdSync([vpd], this.clock.nowMs())).get(vpd);
      const count = meta?.heldRemovals ?? 0;
      if (count === 0) throw new NotFoundError(`VPD ${vpd} has no held removals.`);
      const heldSince = meta?.heldSince ?? null;
      const heldRunId = meta?.heldRun?.runId ?? null;
      // Audited before the change: an applied decision is never missing from the audit.
      await this.audit.record({
        type: decision === 'approved' ? 'SYNC_REMOVALS_APPROVED' : 'SYNC_REMOVALS_REJECTED',
        actor: by.actingUser,
        apiKeyId: by.apiKeyId,
        requestId: by.requestId ?? null,
        vpd,
        outcome: decision.toUpperCase(),
        details: { count, heldSince, heldRunId },
      });
      let removed = 0;
      if (decision === 'approved') {
        let remaining = count;
        while (remaining > 0) {
          const step = await this.generations.approveHeldRemovals(vpd, lease, REMOVAL_SCAN_COUNT);
          removed += step.removed;
          remaining = step.remaining;
        }
      } else {
        await this.generations.rejectHeldRemovals(vpd, lease);
      }
      this.metrics.heldRemovals.set({ vpd }, 0);
      this.logger.log({ msg: 'held removals decided', vpd, decision, count, removed, heldRunId });
      return { vpd, decision, count, removed, heldRunId, heldSince };
    });
    if (!outcome.ran) throw new DomainError('CONFLICT', 'A sync run is in progress; decide on the held removals when it has finished.');
    return outcome.value;
  }
}
