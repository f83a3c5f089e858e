import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessChangeRecorder } from '../access-events/access-change-recorder';
import type { ChangeCause } from '../access-events/access-change';
import { Clock } from '../common/clock/clock';
import { EsrMapping } from '../database/esr-mapping.entity';
import type { RecordCheck } from './esr-record-checker';
import { MappingMirrorHold } from './mapping-mirror-hold';
import { verificationOf } from './mapping-rows';

/**
 * The queue of ESR checks kept on the mappings themselves (check_after, check_attempts, the
 * verification columns): dueChecks(limit) for the background verifier, recordChecks(results, cause)
 * for what the checks found (MappingVerifier: background passes and access refreshes), and
 * requeueUnverified(vpd) when a VPD's role data has just changed (AccessMonitor). recordChecks
 * commits the users' access-change events in the same transaction, with the mapping mirror held
 * around it (MappingMirrorHold).
 *
 * Query budget: dueChecks and requeueUnverified one query each; recordChecks one transaction (one
 * UPDATE per row).
 */
@Injectable()
export class MappingCheckQueue {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly recorder: AccessChangeRecorder,
    private readonly mirrorHold: MappingMirrorHold,
  ) {}

  /**
   * Stores what ESR checks found for these rows (background verifier, access refresh): verified
   * rows get their display name, NOT_FOUND rows turn NOT_FOUND_IN_ESR, UNKNOWN rows are checked
   * again after `retryAt`. Access-change events for the users in the same transaction.
   */
  async recordChecks(results: Array<{ row: EsrMapping; check: RecordCheck; retryAt?: Date }>, cause: ChangeCause): Promise<void> {
    if (results.length === 0) return;
    const now = this.clock.now();
    const users = [...new Set(results.map((r) => r.row.portalUserId))];
    await this.mirrorHold.writing(users, () =>
      this.dataSource.transaction(async (manager) => {
        const before = await this.recorder.capture(manager, users);
        for (const { row, check, retryAt } of results) {
          const update =
            check.status === 'UNKNOWN'
              ? { checkAfter: retryAt ?? now, checkAttempts: row.checkAttempts + 1 }
              : { ...verificationOf(check, now), displayName: check.status === 'FOUND' ? (check.displayName ?? row.displayName) : null };
          await manager.update(EsrMapping, { id: row.id }, update);
        }
        await this.recorder.commit(manager, before, cause);
      }),
    );
  }

  /** Rows due for a background ESR check (check_after passed), oldest first. */
  async dueChecks(limit: number): Promise<EsrMapping[]> {
    return this.dataSource
      .getRepository(EsrMapping)
      .createQueryBuilder('m')
      .where('m.checkAfter <= :now', { now: this.clock.now() })
      .orderBy('m.checkAfter', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Makes every unconfirmed mapping of a VPD due for a check now (its role data just changed). */
  async requeueUnverified(vpd: string): Promise<number> {
    const result = await this.dataSource.getRepository(EsrMapping).update({ vpd, verified: false }, { checkAfter: this.clock.now() });
    return result.affected ?? 0;
  }
}
