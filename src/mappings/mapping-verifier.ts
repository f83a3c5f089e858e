import { Injectable, Logger } from '@nestjs/common';
import { recordKey } from '../role-store/role.types';
import { Clock } from '../common/clock/clock';
import type { ChangeCause } from '../access-events/access-change';
import type { VerifyOutcome } from '../access-events/access-monitor.sources';
import { EsrMapping } from '../database/esr-mapping.entity';
import { EsrRecordChecker, RecordCheck } from './esr-record-checker';
import { MappingCheckQueue } from './mapping-check-queue';

/** Rows one verification pass looks at. */
export const VERIFY_BATCH = 200;
/** How long a background pass waits on ESR in all. */
const VERIFY_DEADLINE_MS = 60_000;
/** Retry delays of a record ESR could not be asked about: 1 min doubling to at most 1 h. */
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 3_600_000;

/**
 * Confirms mappings saved unverified (ESR unavailable or slow, import rows not reached in time,
 * rows from before checks existed): a record holding the role in the synced data is confirmed with
 * no ESR call; others get one person lookup each (bounded concurrency). A record found unknown turns
 * NOT_FOUND_IN_ESR and is not asked about again (only the role data can still confirm it); one ESR
 * could not answer is retried with backoff. Due rows are read and results written through
 * MappingCheckQueue. Never throws.
 */
@Injectable()
export class MappingVerifier {
  private readonly logger = new Logger(MappingVerifier.name);

  constructor(
    private readonly queue: MappingCheckQueue,
    private readonly checker: EsrRecordChecker,
    private readonly clock: Clock,
  ) {}

  /** One pass over the rows due for a check. */
  async verifyDue(limit = VERIFY_BATCH): Promise<VerifyOutcome> {
    try {
      return await this.verify(await this.queue.dueChecks(limit), 'verification', Date.now() + VERIFY_DEADLINE_MS, false);
    } catch (error) {
      this.logger.warn({ msg: 'mapping verification pass failed', error: (error as Error).message });
      return { checked: 0, verified: 0, notFound: 0, unknown: 0 };
    }
  }

  /** Checks these rows now (an access refresh, within the interactive deadline); ESR failures leave them for later. */
  async verifyNow(rows: EsrMapping[], deadlineAt: number): Promise<VerifyOutcome> {
    return this.verify(
      rows.filter((r) => !r.verified),
      'refresh',
      deadlineAt,
      true,
    );
  }

  private async verify(rows: EsrMapping[], cause: ChangeCause, deadlineAt: number, askAgain: boolean): Promise<VerifyOutcome> {
    const outcome: VerifyOutcome = { checked: rows.length, verified: 0, notFound: 0, unknown: 0 };
    if (rows.length === 0) return outcome;
    const held = await this.checker.inRoleData(rows);
    const results: Array<{ row: EsrMapping; check: RecordCheck; retryAt?: Date }> = [];
    const ask: EsrMapping[] = [];
    for (const row of rows) {
      if (held.has(recordKey(row.vpd, row.employeeNumber))) results.push({ row, check: { status: 'FOUND', displayName: null } });
      // A record ESR said it does not know is only confirmed by the role data, unless a person asks again.
      else if (row.esrStatus === 'NOT_FOUND' && !askAgain) results.push({ row, check: { status: 'NOT_FOUND' } });
      else ask.push(row);
    }
    const checks = await this.checker.checkMany(ask, deadlineAt);
    for (const row of ask) {
      const check = checks.get(recordKey(row.vpd, row.employeeNumber)) ?? { status: 'UNKNOWN', why: 'deadline' };
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(row.checkAttempts, 10));
      results.push({ row, check, retryAt: new Date(this.clock.nowMs() + delay) });
    }
    for (const { check } of results) {
      if (check.status === 'FOUND') outcome.verified++;
      else if (check.status === 'NOT_FOUND') outcome.notFound++;
      else outcome.unknown++;
    }
    await this.queue.recordChecks(results, cause);
    if (outcome.checked > 0) this.logger.log({ msg: 'mappings checked against ESR', ...outcome });
    return outcome;
  }
}
