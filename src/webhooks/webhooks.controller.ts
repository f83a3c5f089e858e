import { Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { WebhookDelivery } from '../database/webhook-delivery.entity';
import { RequireScope } from '../common/auth/auth.decorators';
import { SpansAllVpds } from '../common/auth/vpd-scope.decorators';
import { ErrorResponseDto } from '../common/errors/error-response';
import {
  AccessChangedEventDto,
  DELIVERIES_DEFAULT_LIMIT,
  DeliveriesQueryDto,
  DeliveryParamsDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
} from './dto/webhook-deliveries.dto';
import { WebhookOutboxService } from './webhook-outbox.service';
import { ApiErrors } from '../common/errors/api-errors';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function toDeliveryDto(row: WebhookDelivery): WebhookDeliveryDto {
  return {
    id: row.eventId,
    portalUserId: row.portalUserId,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: iso(row.nextAttemptAt) as string,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    createdAt: iso(row.createdAt) as string,
    deliveredAt: iso(row.deliveredAt),
    event: JSON.parse(row.payload) as AccessChangedEventDto,
  };
}

@ApiTags('webhooks')
@ApiBearerAuth()
@RequireScope('ops')
@SpansAllVpds('Webhook deliveries are shared by every VPD (one receiver)')
@ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing or unknown API key', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description: "FORBIDDEN: the API key lacks the 'ops' scope, or is restricted to some VPDs (deliveries span every VPD)",
  type: ErrorResponseDto,
})
@ApiUnprocessableEntityResponse({ description: 'VALIDATION_FAILED: a query or path parameter is not valid', type: ErrorResponseDto })
@Controller({ path: 'v1/webhooks' })
export class WebhooksController {
  constructor(private readonly outbox: WebhookOutboxService) {}

  @Get('deliveries')
  @ApiErrors('DEPENDENCY_UNAVAILABLE')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Access-change event deliveries (outbox), newest first',
    description:
      'status=failed lists the dead letter (WEBHOOK_MAX_ATTEMPTS reached); pending ones wait for their next attempt; superseded ones were dead letters a newer delivered event of the same user made stale.',
  })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  async list(@Query() query: DeliveriesQueryDto): Promise<WebhookDeliveryPageDto> {
    const page = await this.outbox.list(query.status, query.cursor, query.limit ?? DELIVERIES_DEFAULT_LIMIT);
    return { items: page.items.map(toDeliveryDto), nextCursor: page.nextCursor };
  }

  @Post('deliveries/:id/retry')
  @ApiErrors('DEPENDENCY_UNAVAILABLE')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-send a dead-lettered delivery',
    description:
      'It becomes pending with attempts from zero, due now; unless a newer event of the same user (a higher sequence) was delivered since: then it is marked superseded and not sent.',
  })
  @ApiOkResponse({ type: WebhookDeliveryDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such delivery', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'CONFLICT: the delivery is not dead-lettered', type: ErrorResponseDto })
  async retry(@Param() params: DeliveryParamsDto): Promise<WebhookDeliveryDto> {
    return toDeliveryDto(await this.outbox.retry(params.id));
  }
}
