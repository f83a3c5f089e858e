import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../database/column-types';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The outbox of access-change events: one row per event, written in the same transaction as the
 * change (or by the monitor that detected it). The sender delivers rows in `seq` order per user;
 * `failed` is the dead letter (WEBHOOK_MAX_ATTEMPTS reached).
 */
@Entity({ name: 'webhook_deliveries' })
@Index('uq_webhook_deliveries_event', ['eventId'], { unique: true })
@Index('ix_webhook_deliveries_due', ['status', 'nextAttemptAt'])
@Index('ix_webhook_deliveries_user', ['portalUserId', 'seq'])
export class WebhookDelivery {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  seq!: string;

  /** The event id: Webhook-Id header and `id` of the body; the receiver dedupes by it. */
  @Column({ name: 'event_id', type: 'varchar', length: 36 })
  eventId!: string;

  @Column({ name: 'portal_user_id', type: 'varchar', length: 128 })
  portalUserId!: string;

  /** The JSON body exactly as sent (signed as is). */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: TIMESTAMP })
  nextAttemptAt!: Date;

  /** A sender working on the row until then (crash-safe claim). */
  @Column({ name: 'claimed_until', type: TIMESTAMP, nullable: true })
  claimedUntil!: Date | null;

  @Column({ name: 'claimed_by', type: 'varchar', length: 128, nullable: true })
  claimedBy!: string | null;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus!: number | null;

  /** Why the last attempt failed (status code or network error kind; never the receiver's body). */
  @Column({ name: 'last_error', type: 'varchar', length: 300, nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: TIMESTAMP })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: TIMESTAMP, nullable: true })
  deliveredAt!: Date | null;
}
