import { PageCursorField, PageLimitField } from '../../common/http/paging';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { ACCESS_STATES } from '../../domain/access.types';
import { DELIVERY_STATUSES, DeliveryStatus } from '../../database/webhook-delivery.entity';

export const DELIVERIES_DEFAULT_LIMIT = 50;
export const DELIVERIES_MAX_LIMIT = 200;

/** GET /v1/webhooks/deliveries query. Newest first. */
export class DeliveriesQueryDto {
  @ApiPropertyOptional({
    enum: DELIVERY_STATUSES,
    description:
      'failed = dead-lettered (WEBHOOK_MAX_ATTEMPTS reached); superseded = a dead letter a newer delivered event of its user made stale (never sent)',
  })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;

  @PageCursorField(64)
  cursor?: string;

  @PageLimitField(DELIVERIES_MAX_LIMIT, DELIVERIES_DEFAULT_LIMIT)
  limit?: number;
}

export class DeliveryParamsDto {
  @ApiProperty({
    description: 'The event id (Webhook-Id)',
    example: '0b6f1f9e-4c1d-4f37-9a53-2b7f3c0e8d11',
    pattern: '^[0-9a-f-]{36}$',
    maxLength: 36,
  })
  @Matches(/^[0-9a-f-]{36}$/, { message: 'id must be an event id (a UUID)' })
  id!: string;
}

export class AccessChangedMappingDto {
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty({ example: '30581377' }) employeeNumber!: string;
  @ApiProperty({ enum: ACCESS_STATES, nullable: true, description: 'Null when the mapping was removed' }) state!: string | null;
  @ApiProperty({ enum: ACCESS_STATES, nullable: true, description: 'Null when the mapping is new' }) previousState!: string | null;
}

/** The body POSTed to WEBHOOK_URL. */
export class AccessChangedEventDto {
  @ApiProperty({ description: 'Event id, also Webhook-Id; the receiver dedupes by it' }) id!: string;
  @ApiProperty({ example: 'esr-access.changed' }) type!: string;
  @ApiProperty({ example: '2026-11-26T10:12:00.000Z' }) occurredAt!: string;
  @ApiProperty({
    example: 7,
    minimum: 1,
    description: 'Increases per portal user (1, 2, 3...); drop an event whose sequence is not above the last one applied for its user',
  })
  sequence!: number;
  @ApiProperty({ example: 'hiran.mistry@nhs.net' }) portalUserId!: string;
  @ApiProperty() searchEnabled!: boolean;
  @ApiProperty() previousSearchEnabled!: boolean;
  @ApiProperty({ type: String, nullable: true }) nextChangeAt!: string | null;
  @ApiProperty({ enum: ['mapping', 'sync', 'time', 'verification', 'refresh'] }) cause!: string;
  @ApiProperty({ type: [AccessChangedMappingDto], description: 'Every current mapping with its previous state, then removed ones' })
  mappings!: AccessChangedMappingDto[];
}

export class WebhookDeliveryDto {
  @ApiProperty({ description: 'Event id (Webhook-Id)' }) id!: string;
  @ApiProperty() portalUserId!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES, description: 'superseded: a newer event of the user was delivered first; not sent' })
  status!: DeliveryStatus;
  @ApiProperty({ description: 'Attempts made so far' }) attempts!: number;
  @ApiProperty({ description: 'When the next attempt is due (pending)' }) nextAttemptAt!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status of the last attempt' }) lastStatus!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last attempt failed' }) lastError!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: String, nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: AccessChangedEventDto }) event!: AccessChangedEventDto;
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) items!: WebhookDeliveryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
