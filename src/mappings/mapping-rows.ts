import { randomUUID } from 'node:crypto';
import type { NewAuditEvent } from '../audit/audit.service';
import { DomainError, ErrorDetail } from '../common/errors/domain-error';
import { EsrMapping } from '../database/esr-mapping.entity';
import type { RecordCheck } from './esr-record-checker';
import { isSelfMapping } from './self-mapping-policy';
import { MAX_MAPPINGS_PER_USER } from './identifiers';

/** Who made a change, for the audit trail. */
export interface ChangeContext {
  /** X-Acting-User. */
  actor: string;
  apiKeyId: string;
  requestId: string;
}

export interface MappingInput {
  vpd: string;
  employeeNumber: string;
}

export const describeRecord = (m: MappingInput) => `VPD ${m.vpd} employee number ${m.employeeNumber}`;

export class MappingExistsError extends DomainError {
  constructor(m: MappingInput) {
    super('MAPPING_EXISTS', `${describeRecord(m)} is already mapped to this portal user.`);
  }
}

export class RecordMappedToOtherUserError extends DomainError {
  constructor(m: MappingInput) {
    super(
      'ESR_RECORD_MAPPED_TO_OTHER_USER',
      `The ESR record ${describeRecord(m)} is already mapped to another portal user; one ESR record belongs to one portal account.`,
    );
  }
}

/** 409: the portal user already has another ESR record in that VPD (one person per VPD per account), named in the message and details. */
export class UserAlreadyMappedInVpdError extends DomainError {
  constructor(existing: Pick<EsrMapping, 'portalUserId' | 'vpd' | 'employeeNumber' | 'displayName'>) {
    super('ESR_USER_ALREADY_MAPPED_IN_VPD', alreadyMappedInVpd(existing), {
      details: [
        { field: 'employeeNumber', message: `already mapped to employee number ${existing.employeeNumber} in VPD ${existing.vpd}` },
      ],
    });
  }
}

/** The sentence of ESR_USER_ALREADY_MAPPED_IN_VPD, naming the record the user already has in the VPD. */
export function alreadyMappedInVpd(existing: Pick<EsrMapping, 'portalUserId' | 'vpd' | 'employeeNumber' | 'displayName'>): string {
  const who = existing.displayName ? ` (${existing.displayName})` : '';
  return (
    `Portal user ${existing.portalUserId} is already mapped to ${describeRecord(existing)}${who}; one portal account maps to ` +
    `one person per VPD: delete that mapping first if it is wrong.`
  );
}

export function limitReached(portalUserId: string): { message: string; details: ErrorDetail[] } {
  const message = `Portal user ${portalUserId} already has the maximum of ${MAX_MAPPINGS_PER_USER} ESR mappings; delete one before adding another.`;
  return { message, details: [{ field: 'portalUserId', message: `at most ${MAX_MAPPINGS_PER_USER} ESR mappings per portal user` }] };
}

export function conflictWith(owner: EsrMapping, portalUserId: string, input: MappingInput): DomainError {
  return owner.portalUserId === portalUserId ? new MappingExistsError(input) : new RecordMappedToOtherUserError(input);
}

/** The verification columns for what a check found at `now` (UNKNOWN: checked again in the background from now on). */
export function verificationOf(
  check: RecordCheck | undefined,
  now: Date,
): Pick<EsrMapping, 'verified' | 'verifiedAt' | 'esrStatus' | 'displayName' | 'checkAfter' | 'checkAttempts'> {
  if (check?.status === 'FOUND')
    return { verified: true, verifiedAt: now, esrStatus: 'FOUND', displayName: check.displayName, checkAfter: null, checkAttempts: 0 };
  if (check?.status === 'NOT_FOUND')
    return { verified: false, verifiedAt: null, esrStatus: 'NOT_FOUND', displayName: null, checkAfter: null, checkAttempts: 0 };
  return { verified: false, verifiedAt: null, esrStatus: null, displayName: null, checkAfter: now, checkAttempts: 0 };
}

export function newMappingRow(portalUserId: string, input: MappingInput, actor: string, now: Date, check?: RecordCheck): EsrMapping {
  return Object.assign(new EsrMapping(), {
    id: randomUUID(),
    portalUserId,
    vpd: input.vpd,
    employeeNumber: input.employeeNumber,
    createdAt: now,
    createdBy: actor,
    ...verificationOf(check, now),
  });
}

/** The audit event of a mapping change; a mapping of the acting user's own account (MAPPING_SELF_SERVICE) is marked as such. */
export function mappingEvent(
  type: 'MAPPING_CREATED' | 'MAPPING_DELETED' | 'MAPPING_REFUSED',
  row: Pick<EsrMapping, 'portalUserId' | 'vpd' | 'employeeNumber'>,
  ctx: ChangeContext,
  details?: Record<string, unknown>,
): NewAuditEvent {
  return {
    type,
    actor: ctx.actor,
    apiKeyId: ctx.apiKeyId,
    requestId: ctx.requestId,
    subjectUserId: row.portalUserId,
    vpd: row.vpd,
    employeeNumber: row.employeeNumber,
    outcome: 'OK',
    details:
      type === 'MAPPING_CREATED' && isSelfMapping(ctx.actor, row.portalUserId) ? { ...details, selfService: true } : (details ?? null),
  };
}
