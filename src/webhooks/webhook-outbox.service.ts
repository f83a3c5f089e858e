import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, LessThan } from 'typeorm';
import { WebhookDelivery, DeliveryStatus } from '../database/webhook-delivery.entity';
import { Clock } from '../common/clock/clock';
import { DomainError, NotFoundError, ValidationFailedError } from '../common/errors/domain-error';
import { retryDecision } from './webhook-order';

/** How long a sender may work on claimed rows before another may take them (crash safety). */
export const CLAIM_MS = 60_000;
/** First retry delay; doubles per attempt up to RETRY_MAX_MS. */
export const RETRY_BASE_MS = 10_000;
export const RETRY_MAX_MS = 3_600_000;

export interface WebhookBacklog {
  pending: number;
  /** Dead-lettered: WEBHOOK_MAX_ATTEMPTS reached; retry through the ops API. */
  failed: number;
  /** Age of the oldest pending event in seconds, or null when none is pending. */
  oldestPendingAgeSeconds: number | null;
}

export interface DeliveryPage {
  items: WebhookDelivery[];
  nextCursor: string | null;
}

/** Delay before attempt `attempts + 1` after `attempts` failed ones: exponential, capped, up to 10% jitter. */
export function retryDelayMs(attempts: number, random = Math.random): number {
  const base = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (1 + 0.1 * random()));
}

const encodeCursor = (seq: string) => Buffer.from(seq, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const seq = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9]\d{0,17}$/.test(seq)) {
    throw new ValidationFailedError('cursor is not valid: pass nextCursor of a previous page unchanged', [
      { field: 'cursor', message: 'cursor is not valid' },
    ]);
  }
  return seq;
}

/** A pending row of a user with a newer delivered event: stale (a retried dead letter), never sent. */
const STALE_PENDING = `status = 'pending' AND EXISTS (SELECT 1 FROM webhook_deliveries e
  WHERE e.portal_user_id = webhook_deliveries.portal_user_id AND e.status = 'delivered' AND e.user_sequence > webhook_deliveries.user_sequence)`;

/**
 * The outbox's read and bookkeeping side: claims of due events (one per user at a time, oldest
 * first, so a user's events go in order; on PostgreSQL with FOR UPDATE SKIP LOCKED, so senders on
 * several replicas never take the same row), outcomes of attempts, the ops listing and retry (a dead
 * letter that a newer delivered event superseded is marked so, not sent: webhook-order.ts), and
 * the backlog figures for the status page and metrics.
 */
@Injectable()
export class WebhookOutboxService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Claims up to `limit` due events for `holder`: pending, next attempt due, not claimed by a live
   * sender, and the oldest pending event of their user. One short transaction.
   */
  async claim(holder: string, limit: number): Promise<WebhookDelivery[]> {
    const now = this.clock.now();
    const postgres = this.dataSource.options.type === 'postgres';
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE webhook_deliveries SET status = 'superseded' WHERE ${STALE_PENDING}`);
      const query = manager
        .createQueryBuilder(WebhookDelivery, 'd')
        .where("d.status = 'pending'")
        .andWhere('d.nextAttemptAt <= :now', { now })
        .andWhere('(d.claimedUntil IS NULL OR d.claimedUntil <= :now)', { now })
        .andWhere(
          "NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.portal_user_id = d.portal_user_id AND e.status = 'pending' AND e.seq < d.seq)",
        )
        // Not while another event of the user is in flight (a retried dead letter is older than it).
        .andWhere(
          "NOT EXISTS (SELECT 1 FROM webhook_deliveries c WHERE c.portal_user_id = d.portal_user_id AND c.status = 'pending' AND c.seq <> d.seq AND c.claimed_until > :now)",
          { now },
        )
        .orderBy('d.seq', 'ASC')
        .limit(limit);
      if (postgres) query.setLock('pessimistic_write').setOnLocked('skip_locked');
      const rows = await query.getMany();
      if (rows.length === 0) return rows;
      const claimedUntil = new Date(now.getTime() + CLAIM_MS);
      await manager.update(WebhookDelivery, { seq: In(rows.map((r) => r.seq)) }, { claimedUntil, claimedBy: holder });
      return rows.map((r) => Object.assign(r, { claimedUntil, claimedBy: holder }));
    });
  }

  /** Records a delivered attempt. */
  async delivered(row: WebhookDelivery, status: number): Promise<void> {
    const now = this.clock.now();
    await this.dataSource.getRepository(WebhookDelivery).update(
      { seq: row.seq, claimedBy: row.claimedBy as string },
      {
        status: 'delivered',
        attempts: row.attempts + 1,
        lastStatus: status,
        lastError: null,
        deliveredAt: now,
        claimedUntil: null,
        claimedBy: null,
      },
    );
  }

  /** Records a failed attempt: retried after a backoff, or dead-lettered at `maxAttempts`. Returns the new status. */
  async failed(row: WebhookDelivery, status: number | null, error: string, maxAttempts: number): Promise<DeliveryStatus> {
    const attempts = row.attempts + 1;
    const dead = attempts >= maxAttempts;
    await this.dataSource.getRepository(WebhookDelivery).update(
      { seq: row.seq, claimedBy: row.claimedBy as string },
      {
        status: dead ? 'failed' : 'pending',
        attempts,
        lastStatus: status,
        lastError: error.slice(0, 300),
        nextAttemptAt: new Date(this.clock.nowMs() + (dead ? 0 : retryDelayMs(attempts))),
        claimedUntil: null,
        claimedBy: null,
      },
    );
    return dead ? 'failed' : 'pending';
  }

  /** Deliveries for ops, newest first, optionally of one status; keyset-paged. */
  async list(status: DeliveryStatus | undefined, cursor: string | undefined, limit: number): Promise<DeliveryPage> {
    const where = {
      ...(status ? { status } : {}),
      ...(cursor ? { seq: LessThan(decodeCursor(cursor)) } : {}),
    };
    const rows = await this.dataSource.getRepository(WebhookDelivery).find({ where, order: { seq: 'DESC' }, take: limit + 1 });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(String(items[items.length - 1].seq)) : null };
  }

  /**
   * Re-sends a dead-lettered delivery: pending again, attempts from zero, due now; or, when a newer
   * event of its user was delivered since, marks it superseded and sends nothing.
   */
  async retry(eventId: string): Promise<WebhookDelivery> {
    const repository = this.dataSource.getRepository(WebhookDelivery);
    const row = await repository.findOne({ where: { eventId } });
    if (!row) throw new NotFoundError(`There is no webhook delivery ${eventId}.`);
    if (row.status !== 'failed')
      throw new DomainError(
        'CONFLICT',
        `Webhook delivery ${eventId} is ${row.status}; only failed (dead-lettered) deliveries can be retried.`,
      );
    const newest = await repository
      .createQueryBuilder('d')
      .select('MAX(d.sequence)', 'newest')
      .where("d.portalUserId = :user AND d.status = 'delivered'", { user: row.portalUserId })
      .getRawOne<{ newest: string | number | null }>();
    const decision = retryDecision(Number(row.sequence), newest?.newest == null ? null : Number(newest.newest));
    const update =
      decision === 'superseded'
        ? { status: 'superseded' as const }
        : { status: 'pending' as const, attempts: 0, nextAttemptAt: this.clock.now(), claimedUntil: null, claimedBy: null };
    const result = await repository.update({ eventId, status: 'failed' }, update);
    if (!result.affected) throw new DomainError('CONFLICT', `Webhook delivery ${eventId} changed meanwhile; read it again.`);
    return Object.assign(row, update);
  }

  /** Pending and dead-lettered counts, and the age of the oldest pending event (three indexed queries). */
  async backlog(): Promise<WebhookBacklog> {
    const repository = this.dataSource.getRepository(WebhookDelivery);
    const [pending, failed, oldest] = await Promise.all([
      repository.count({ where: { status: 'pending' } }),
      repository.count({ where: { status: 'failed' } }),
      repository.findOne({ where: { status: 'pending' }, order: { seq: 'ASC' }, select: { seq: true, createdAt: true } }),
    ]);
    const age = oldest ? Math.max(0, Math.floor((this.clock.nowMs() - new Date(oldest.createdAt).getTime()) / 1000)) : null;
    return { pending, failed, oldestPendingAgeSeconds: age };
  }
}
