import { CallerVpdScope } from '../common/auth/vpd-scope.decorators';
import type { VpdScope } from '../common/auth/vpd-scope';
import { Controller, Get, Header, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { RequireScope } from '../common/auth/auth.decorators';
import { ErrorResponseDto } from '../common/errors/error-response';
import { AuditEvent } from '../database/audit-event.entity';
import { AuditService } from './audit.service';
import { AuditEventDto, AuditEventPageDto } from './dto/audit-event.dto';
import { AUDIT_DEFAULT_LIMIT, AuditQueryDto } from './dto/audit-query.dto';

export function toAuditEventDto(event: AuditEvent): AuditEventDto {
  return {
    id: String(event.id),
    type: event.type,
    occurredAt: new Date(event.occurredAt).toISOString(),
    actor: event.actor,
    apiKeyId: event.apiKeyId,
    requestId: event.requestId,
    callerRequestId: event.callerRequestId,
    repeatCount: event.repeatCount,
    subjectUserId: event.subjectUserId,
    vpd: event.vpd,
    employeeNumber: event.employeeNumber,
    outcome: event.outcome,
    details: event.details,
  };
}

@ApiTags('audit')
@ApiBearerAuth()
@RequireScope('ops')
@Controller({ path: 'v1/audit' })
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('events')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Read the audit trail',
    description:
      'Newest first. Filters combine (AND): type, actor, subjectUserId, from (inclusive), to (exclusive). Pages of `limit` ' +
      `(1-500, default ${AUDIT_DEFAULT_LIMIT}); pass nextCursor back as cursor for the next, older page (null on the last). ` +
      'The cursor is opaque; events written after the first page was read appear on a new first page, never in later pages. ' +
      'A key restricted to some VPDs sees only the events in them (events without a VPD are left out).',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: "FORBIDDEN: the API key lacks the 'ops' scope", type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({
    description: 'VALIDATION_FAILED: a query parameter is not valid (details name it)',
    type: ErrorResponseDto,
  })
  @ApiServiceUnavailableResponse({ description: 'DEPENDENCY_UNAVAILABLE: the database is down', type: ErrorResponseDto })
  async list(@Query() query: AuditQueryDto, @CallerVpdScope() scope: VpdScope): Promise<AuditEventPageDto> {
    const page = await this.audit.find({
      type: query.type,
      actor: query.actor,
      subjectUserId: query.subjectUserId,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      cursor: query.cursor,
      limit: query.limit ?? AUDIT_DEFAULT_LIMIT,
      vpds: scope.list,
    });
    return { items: page.items.map(toAuditEventDto), nextCursor: page.nextCursor };
  }
}
