import { PageCursorField, PageLimitField } from '../../common/http/paging';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { AUDIT_EVENT_TYPES, AuditEventType } from '../../database/audit-event.entity';

/** No control characters (PostgreSQL refuses NUL in text: a 500 instead of a 422). */
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

/** IsISO8601 also accepts forms Date cannot read (20261125T000000Z, 2026-W48-3): the filter needs a real instant. */
const IsParsableInstant = (message: string) =>
  ValidateBy({
    name: 'isParsableInstant',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value)),
      defaultMessage: () => message,
    },
  });

export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 500;

/** GET /v1/audit/events query. Newest first; `cursor` continues after the last item of the previous page. */
export class AuditQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_EVENT_TYPES, description: 'Only events of this type' })
  @IsOptional()
  @IsIn(AUDIT_EVENT_TYPES, { message: `type must be one of ${AUDIT_EVENT_TYPES.join(', ')}` })
  type?: AuditEventType;

  @ApiPropertyOptional({
    description: 'Only events of this actor (X-Acting-User, or "system")',
    example: 'lsa.user@nhs.net',
    maxLength: 128,
    pattern: NO_CONTROL_CHARACTERS.source,
  })
  @IsOptional()
  @IsString()
  @MaxLength(128, { message: 'actor must be at most 128 characters' })
  @Matches(NO_CONTROL_CHARACTERS, { message: 'actor must not contain control characters' })
  actor?: string;

  @ApiPropertyOptional({
    description: 'Only events about this portal user (subjectUserId)',
    example: 'hiran.mistry@nhs.net',
    maxLength: 128,
    pattern: NO_CONTROL_CHARACTERS.source,
  })
  @IsOptional()
  @IsString()
  @MaxLength(128, { message: 'subjectUserId must be at most 128 characters' })
  @Matches(NO_CONTROL_CHARACTERS, { message: 'subjectUserId must not contain control characters' })
  subjectUserId?: string;

  @ApiPropertyOptional({ description: 'Events at or after this instant (ISO-8601 with offset)', example: '2026-11-25T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time, e.g. 2026-11-25T00:00:00Z' })
  @IsParsableInstant('from must be an ISO-8601 date-time, e.g. 2026-11-25T00:00:00Z')
  from?: string;

  @ApiPropertyOptional({ description: 'Events before this instant (exclusive)', example: '2026-11-26T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO-8601 date-time, e.g. 2026-11-26T00:00:00Z' })
  @IsParsableInstant('to must be an ISO-8601 date-time, e.g. 2026-11-26T00:00:00Z')
  to?: string;

  @PageCursorField(64)
  cursor?: string;

  @PageLimitField(AUDIT_MAX_LIMIT, AUDIT_DEFAULT_LIMIT)
  limit?: number;
}
