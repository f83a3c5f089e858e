import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessResolver } from '../access-policy/access-resolver';
import { AuditService, NewAuditEvent } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { AuditSettings } from '../config/settings/audit.settings';
import { EsrMapping } from '../database/esr-mapping.entity';
import type { MappingAccess } from '../domain/access.types';
import type { RecordKey } from '../role-store/role.types';
import type { PersonLookupDto, PersonLookupRoleDto } from './dto/person-lookup.dto';
import { EsrRecordChecker, EsrRecordNotFoundError } from './esr-record-checker';
import { LookupBudget, LookupRateLimitedError } from './lookup-budget';
import type { ChangeContext } from './mapping-rows';
import { ServedVpdCheck } from './served-vpd-check';

/** The portal user id the look-up evaluates the record for: no real user, only the record's role windows matter. */
const LOOK_UP = '(look-up)';

/** States whose role windows say nothing (the data is missing or too old): the look-up answers `role: null`. */
const ROLE_UNKNOWN: ReadonlySet<string> = new Set(['NOT_SYNCED', 'STALE']);

/** What the role data says of a record, from its evaluated access (pure). */
export function roleOf(access: Pick<MappingAccess, 'state' | 'effectiveFrom' | 'effectiveUntil'>): PersonLookupRoleDto | null {
  if (ROLE_UNKNOWN.has(access.state)) return null;
  const held =
    access.state === 'ACTIVE' ||
    access.state === 'PENDING_ACTIVATION' ||
    (access.state === 'RECORD_INACTIVE' && access.effectiveFrom !== null);
  return held
    ? { held, effectiveFrom: access.effectiveFrom, effectiveUntil: access.effectiveUntil }
    : { held, effectiveFrom: null, effectiveUntil: null };
}

/** 503/504 when ESR could not say whether the record exists (down, breaker open, or slower than the deadline). */
function esrCouldNotSay(why: string): DomainError {
  return why === 'deadline' || why === 'ESR_TIMEOUT'
    ? new DomainError('ESR_TIMEOUT', 'ESR did not answer in time; try the look-up again shortly.')
    : new DomainError('ESR_UNAVAILABLE', 'ESR is unavailable; try the look-up again shortly.', { retryAfterSeconds: 30 });
}

/**
 * The look-up an LSA does before saving a mapping (GET /v1/vpds/{vpd}/people/{employeeNumber}):
 * 1. the VPD must be served (422 VPD_NOT_SERVED, no ESR call);
 * 2. the look-up is charged to the acting user's and the key's look-up budgets (429 RATE_LIMITED);
 * 3. ONE ESR call (EsrRecordChecker.lookUp, the save's check) within ESR_INTERACTIVE_DEADLINE: the
 *    name and whether the record is active; unknown in that VPD is 422 ESR_RECORD_NOT_FOUND;
 * 4. whether it holds the role (the synced role data, evaluated as access is) and whom it is mapped to
 *    (the database), read together;
 * 5. one ESR_RECORD_LOOKUP audit event whatever the outcome (refusals by budget coalesced).
 */
@Injectable()
export class PeopleLookupService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly served: ServedVpdCheck,
    private readonly budget: LookupBudget,
    private readonly checker: EsrRecordChecker,
    private readonly resolver: AccessResolver,
    private readonly audit: AuditService,
    private readonly auditSettings: AuditSettings,
  ) {}

  async lookUp(key: RecordKey, ctx: ChangeContext): Promise<PersonLookupDto> {
    const event: NewAuditEvent = {
      type: 'ESR_RECORD_LOOKUP',
      actor: ctx.actor,
      apiKeyId: ctx.apiKeyId,
      requestId: ctx.requestId,
      vpd: key.vpd,
      employeeNumber: key.employeeNumber,
    };
    let answer: PersonLookupDto;
    try {
      answer = await this.find(key, ctx);
    } catch (error) {
      const outcome = error instanceof DomainError ? error.code : 'INTERNAL';
      if (error instanceof LookupRateLimitedError)
        await this.audit.recordRefusal({ ...event, outcome }, this.auditSettings.refusalWindowMs);
      else await this.audit.record({ ...event, outcome: outcome === 'ESR_RECORD_NOT_FOUND' ? 'NOT_FOUND' : outcome });
      throw error;
    }
    await this.audit.record({ ...event, outcome: 'FOUND', details: { active: answer.active, mapped: answer.mappedTo !== null } });
    return answer;
  }

  private async find(key: RecordKey, ctx: ChangeContext): Promise<PersonLookupDto> {
    await this.served.assertServed(key.vpd);
    await this.budget.consume(ctx.actor, ctx.apiKeyId);
    const check = await this.checker.lookUp(key);
    if (check.status === 'NOT_FOUND') throw new EsrRecordNotFoundError(key);
    if (check.status === 'UNKNOWN') throw esrCouldNotSay(check.why);
    const record = { portalUserId: LOOK_UP, vpd: key.vpd, employeeNumber: key.employeeNumber, verified: true, esrStatus: 'FOUND' as const };
    const [[access], owner] = await Promise.all([
      this.resolver.evaluate([LOOK_UP], [record]),
      this.dataSource
        .getRepository(EsrMapping)
        .findOne({ select: { portalUserId: true }, where: { vpd: key.vpd, employeeNumber: key.employeeNumber } }),
    ]);
    return {
      vpd: key.vpd,
      employeeNumber: key.employeeNumber,
      displayName: check.displayName ?? '',
      active: check.active ?? true,
      role: roleOf(access.mappings[0]),
      mappedTo: owner?.portalUserId ?? null,
    };
  }
}
