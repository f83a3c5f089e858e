import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../database/column-types';

export const AUDIT_EVENT_TYPES = [
  'MAPPING_CREATED',
  'MAPPING_DELETED',
  'CREDENTIAL_SEARCH',
  'CREDENTIAL_SEARCH_REFUSED',
  'SYNC_REMOVALS_HELD',
  'SYNC_REMOVALS_APPROVED',
  'SYNC_REMOVALS_REJECTED',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/**
 * Append-only audit trail. `details` never holds names, dates of birth or NI numbers: search
 * criteria are recorded as their kind and a keyed HMAC.
 */
@Entity({ name: 'audit_events' })
@Index('ix_audit_events_type_time', ['type', 'occurredAt'])
@Index('ix_audit_events_actor_time', ['actor', 'occurredAt'])
@Index('ix_audit_events_time', ['occurredAt'])
export class AuditEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  type!: AuditEventType;

  @Column({ name: 'occurred_at', type: TIMESTAMP })
  occurredAt!: Date;

  /** Portal user on whose behalf the call was made (X-Acting-User), or 'system' / the API key id. */
  @Column({ type: 'varchar', length: 128 })
  actor!: string;

  /** The API key that made the call. */
  @Column({ name: 'api_key_id', type: 'varchar', length: 64, nullable: true })
  apiKeyId!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  /** The portal user the event is about (e.g. whose mapping changed). */
  @Column({ name: 'subject_user_id', type: 'varchar', length: 128, nullable: true })
  subjectUserId!: string | null;

  @Column({ type: 'varchar', length: 3, nullable: true })
  vpd!: string | null;

  @Column({ name: 'employee_number', type: 'varchar', length: 8, nullable: true })
  employeeNumber!: string | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  outcome!: string | null;

  @Column({ type: 'simple-json', nullable: true })
  details!: Record<string, unknown> | null;
}
