import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_EVENT_TYPES, AuditEventType } from '../../database/audit-event.entity';

export class AuditEventDto {
  @ApiProperty({ example: '1042', description: 'Increasing with the order events were written' }) id!: string;
  @ApiProperty({ enum: AUDIT_EVENT_TYPES }) type!: AuditEventType;
  @ApiProperty({ example: '2026-11-25T10:12:00.000Z' }) occurredAt!: string;
  @ApiProperty({ example: 'lsa.user@nhs.net', description: 'X-Acting-User, or "system"' }) actor!: string;
  @ApiProperty({ type: String, nullable: true, example: 'portal1' }) apiKeyId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The gateway's own request id" }) requestId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The X-Request-Id the caller sent, if any' }) callerRequestId!: string | null;
  @ApiProperty({ example: 1, description: 'Repeated refusals for one user and reason within a window are one event with a count' })
  repeatCount!: number;
  @ApiProperty({ type: String, nullable: true, example: 'hiran.mistry@nhs.net' }) subjectUserId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '979' }) vpd!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '30581377' }) employeeNumber!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'OK' }) outcome!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Event-specific; never names, dates of birth or NI numbers (search criteria as kind + keyed hash)',
  })
  details!: Record<string, unknown> | null;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first' }) items!: AuditEventDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next (older) page; null on the last page' })
  nextCursor!: string | null;
}
