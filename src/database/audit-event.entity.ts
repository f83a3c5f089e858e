import { EntitySchema } from 'typeorm';
import { DatabaseKind, instantColumnType } from './column-types';

export const AUDIT_EVENT_TYPES = [
  'MAPPING_CREATED',
  'MAPPING_DELETED',
  'CREDENTIAL_SEARCH',
  'CREDENTIAL_SEARCH_REFUSED',
  'ESR_RECORD_LOOKUP',
  'ACCESS_REFRESHED',
  'MAPPING_REFUSED',
  'SYNC_REMOVALS_HELD',
  'SYNC_REMOVALS_APPROVED',
  'SYNC_REMOVALS_REJECTED',
  'PERSONAL_DATA_READ',
  'ACCESS_REVIEW_EXPORTED',
  'AUTH_FAILED',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/**
 * Append-only audit trail. `details` never holds names, dates of birth or NI numbers: search
 * criteria are recorded as their kind and a keyed HMAC.
 */
export class AuditEvent {
  id!: string;
  type!: AuditEventType;
  occurredAt!: Date;
  /** Portal user on whose behalf the call was made (X-Acting-User), or 'system' / the API key id. */
  actor!: string;
  /** The API key that made the call. */
  apiKeyId!: string | null;
  /** The gateway's own id of the request that caused the event (unique per request). */
  requestId!: string | null;
  /** The X-Request-Id the caller sent, if any (not unique: callers choose it). */
  callerRequestId!: string | null;
  /** How many times this event happened: repeated refusals within a window share one row. */
  repeatCount!: number;
  /** The portal user the event is about (e.g. whose mapping changed). */
  subjectUserId!: string | null;
  vpd!: string | null;
  employeeNumber!: string | null;
  outcome!: string | null;
  details!: Record<string, unknown> | null;
}

/** The `audit_events` table of AuditEvent on the given database (as the migrations create it). */
export function auditEventSchema(kind: DatabaseKind): EntitySchema<AuditEvent> {
  return new EntitySchema<AuditEvent>({
    name: 'AuditEvent',
    target: AuditEvent,
    tableName: 'audit_events',
    columns: {
      id: { type: 'bigint', primary: true, generated: 'increment' },
      type: { type: 'varchar', length: 40 },
      occurredAt: { name: 'occurred_at', type: instantColumnType(kind) },
      actor: { type: 'varchar', length: 128 },
      apiKeyId: { name: 'api_key_id', type: 'varchar', length: 64, nullable: true },
      requestId: { name: 'request_id', type: 'varchar', length: 128, nullable: true },
      callerRequestId: { name: 'caller_request_id', type: 'varchar', length: 128, nullable: true },
      repeatCount: { name: 'repeat_count', type: 'integer', default: 1 },
      subjectUserId: { name: 'subject_user_id', type: 'varchar', length: 128, nullable: true },
      vpd: { type: 'varchar', length: 3, nullable: true },
      employeeNumber: { name: 'employee_number', type: 'varchar', length: 8, nullable: true },
      outcome: { type: 'varchar', length: 40, nullable: true },
      details: { type: 'simple-json', nullable: true },
    },
    indices: [
      { name: 'ix_audit_events_type_time', columns: ['type', 'occurredAt'] },
      { name: 'ix_audit_events_actor_time', columns: ['actor', 'occurredAt'] },
      { name: 'ix_audit_events_time', columns: ['occurredAt'] },
    ],
  });
}
