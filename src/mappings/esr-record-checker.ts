import { Injectable, Logger } from '@nestjs/common';
import { RoleReads } from '../role-store/role-reads';
import { recordKey, RecordKey } from '../role-store/role.types';
import { DomainError } from '../common/errors/domain-error';
import { EsrSettings } from '../config/settings/esr.settings';
import { EsrClient } from '../esr/esr.client';
import { EsrNotFoundError } from '../esr/esr.errors';
import { displayNameOf } from '../domain/display-name';
import type { EsrPerson } from '../esr/esr.types';

/**
 * What one check of an ESR record found: FOUND (with the person's display name when ESR was asked),
 * NOT_FOUND (ESR has no such record in that VPD), or UNKNOWN (ESR unavailable, slow, or not asked
 * in time; the record is checked again later).
 */
export type RecordCheck =
  { status: 'FOUND'; displayName: string | null; active?: boolean } | { status: 'NOT_FOUND' } | { status: 'UNKNOWN'; why: string };

/** ESR 422 for a record it does not know: nothing is written. */
export class EsrRecordNotFoundError extends DomainError {
  constructor(key: RecordKey) {
    super(
      'ESR_RECORD_NOT_FOUND',
      `ESR has no record with employee number ${key.employeeNumber} in VPD ${key.vpd}; check the employee number and VPD.`,
      { details: [{ field: 'employeeNumber', message: `not found in ESR in VPD ${key.vpd}` }] },
    );
  }
}

/** Whether ESR's record is active: an employee (EMP) with an active assignment, or with none listed. */
export function isActiveRecord(person: Pick<EsrPerson, 'systemPersonType' | 'assignments'>): boolean {
  return person.systemPersonType === 'EMP' && (person.assignments.length === 0 || person.assignments.some((a) => a.status === 'ACTIVE'));
}

/** A batch stops asking ESR after this many failed lookups in a row. */
const GIVE_UP_AFTER_FAILURES = 3;

const sleep = (ms: number) =>
  new Promise<'deadline'>((resolve) => {
    setTimeout(() => resolve('deadline'), Math.max(0, ms)).unref();
  });

/**
 * Checks that ESR records exist, for Manage User. A record that holds the role in the synced data
 * exists (no ESR call); otherwise one EsrClient.getPerson call, bounded by ESR_INTERACTIVE_DEADLINE
 * (the call is not cancelled past the deadline; its answer is just not waited for). Never throws.
 */
@Injectable()
export class EsrRecordChecker {
  private readonly logger = new Logger(EsrRecordChecker.name);

  constructor(
    private readonly esr: EsrClient,
    private readonly roles: RoleReads,
    private readonly esrSettings: EsrSettings,
  ) {}

  /** Lookups one import runs at once (well within the ESR client's own concurrency limit). */
  get concurrency(): number {
    return Math.max(1, Math.min(8, this.esrSettings.maxConcurrency));
  }

  /** One person lookup in ESR, waiting at most until `deadlineAt` (epoch ms; default: now + ESR_INTERACTIVE_DEADLINE). */
  async lookUp(key: RecordKey, deadlineAt = Date.now() + this.esrSettings.interactiveDeadlineMs): Promise<RecordCheck> {
    const call = this.esr.getPerson(key.vpd, key.employeeNumber).then(
      (person): RecordCheck => ({ status: 'FOUND', displayName: displayNameOf(person), active: isActiveRecord(person) }),
      (error: unknown): RecordCheck => {
        if (error instanceof EsrNotFoundError) return { status: 'NOT_FOUND' };
        const code = error instanceof DomainError ? error.code : 'INTERNAL';
        if (code === 'INTERNAL') this.logger.warn({ msg: 'ESR record check failed unexpectedly', error: (error as Error)?.message });
        return { status: 'UNKNOWN', why: code };
      },
    );
    const outcome = await Promise.race([call, sleep(deadlineAt - Date.now())]);
    return outcome === 'deadline' ? { status: 'UNKNOWN', why: 'deadline' } : outcome;
  }

  /** recordKey()s of these records that hold the role in the synced data (one cache round trip; empty if the cache fails). */
  async inRoleData(keys: RecordKey[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    try {
      const snapshot = await this.roles.readAccess(keys);
      return new Set([...snapshot.roles.entries()].filter(([, roles]) => roles.length > 0).map(([k]) => k));
    } catch (error) {
      this.logger.warn({ msg: 'role data unavailable for record checks; asking ESR', error: (error as Error).message });
      return new Set();
    }
  }

  /**
   * Checks many records: those in the synced role data need no ESR call; the others are looked up
   * `concurrency` at a time until `deadlineAt`, or until ESR fails GIVE_UP_AFTER_FAILURES times in a
   * row. Records not reached come back UNKNOWN. `inRoleData`: what inRoleData(keys) answered, when the caller read it already.
   * Answers by recordKey().
   */
  async checkMany(keys: RecordKey[], deadlineAt: number, inRoleData?: Set<string>): Promise<Map<string, RecordCheck>> {
    const results = new Map<string, RecordCheck>();
    const held = inRoleData ?? (await this.inRoleData(keys));
    const queue: RecordKey[] = [];
    for (const key of keys) {
      const k = recordKey(key.vpd, key.employeeNumber);
      if (held.has(k)) results.set(k, { status: 'FOUND', displayName: null });
      else if (!results.has(k)) {
        results.set(k, { status: 'UNKNOWN', why: 'deadline' });
        queue.push(key);
      }
    }
    // ESR failing several times in a row is down (or its breaker is open): stop asking, leave the rest for later.
    let failuresInRow = 0;
    const worker = async () => {
      for (let key = queue.shift(); key; key = queue.shift()) {
        if (Date.now() >= deadlineAt || failuresInRow >= GIVE_UP_AFTER_FAILURES) return;
        const check = await this.lookUp(key, deadlineAt);
        failuresInRow = check.status === 'UNKNOWN' ? failuresInRow + 1 : 0;
        results.set(recordKey(key.vpd, key.employeeNumber), check);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    return results;
  }
}
