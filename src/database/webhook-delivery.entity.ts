import { EntitySchema } from 'typeorm';
import { DatabaseKind, instantColumnType } from './column-types';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'superseded'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The outbox of access-change events: one row per event, written in the same transaction as the
 * change (or by the monitor that detected it). The sender delivers rows in `seq` order per user;
 * `failed` is the dead letter (WEBHOOK_MAX_ATTEMPTS reached); `superseded` a dead letter (or a retried
 * one) that a newer delivered event of its user made stale, never sent again.
 */
export class WebhookDelivery {
  seq!: string;
  /** The event id: Webhook-Id header and `id` of the body; the receiver dedupes by it. */
  eventId!: string;
  portalUserId!: string;
  /** The event's `sequence`: 1, 2, 3... per portal user, in the order the user's changes committed. */
  sequence!: string;
  /** The JSON body exactly as sent (signed as is). */
  payload!: string;
  status!: DeliveryStatus;
  attempts!: number;
  nextAttemptAt!: Date;
  /** A sender working on the row until then (crash-safe claim). */
  claimedUntil!: Date | null;
  claimedBy!: string | null;
  lastStatus!: number | null;
  /** Why the last attempt failed (status code or network error kind; never the receiver's body). */
  lastError!: string | null;
  createdAt!: Date;
  deliveredAt!: Date | null;
}

/** The `webhook_deliveries` table of WebhookDelivery on the given database (as the migrations create it). */
export function webhookDeliverySchema(kind: DatabaseKind): EntitySchema<WebhookDelivery> {
  const instant = instantColumnType(kind);
  return new EntitySchema<WebhookDelivery>({
    name: 'WebhookDelivery',
    target: WebhookDelivery,
    tableName: 'webhook_deliveries',
    columns: {
      seq: { type: 'bigint', primary: true, generated: 'increment' },
      eventId: { name: 'event_id', type: 'varchar', length: 36 },
      portalUserId: { name: 'portal_user_id', type: 'varchar', length: 128 },
      sequence: { name: 'user_sequence', type: 'bigint', default: 0 },
      payload: { type: 'text' },
      status: { type: 'varchar', length: 16 },
      attempts: { type: 'integer', default: 0 },
      nextAttemptAt: { name: 'next_attempt_at', type: instant },
      claimedUntil: { name: 'claimed_until', type: instant, nullable: true },
      claimedBy: { name: 'claimed_by', type: 'varchar', length: 128, nullable: true },
      lastStatus: { name: 'last_status', type: 'integer', nullable: true },
      lastError: { name: 'last_error', type: 'varchar', length: 300, nullable: true },
      createdAt: { name: 'created_at', type: instant },
      deliveredAt: { name: 'delivered_at', type: instant, nullable: true },
    },
    indices: [
      { name: 'uq_webhook_deliveries_event', columns: ['eventId'], unique: true },
      { name: 'ix_webhook_deliveries_due', columns: ['status', 'nextAttemptAt'] },
      { name: 'ix_webhook_deliveries_user', columns: ['portalUserId', 'seq'] },
      { name: 'uq_webhook_deliveries_user_sequence', columns: ['portalUserId', 'sequence'], unique: true },
    ],
  });
}
