import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ValidationFailedError } from '../common/errors/domain-error';
import { Clock } from '../common/clock/clock';
import { callerRequestIds } from '../common/http/request-ids';
import { AuditEvent, AuditEventType } from '../database/audit-event.entity';

export interface NewAuditEvent {
  type: AuditEventType;
  /** X-Acting-User, or 'system' for the sync. */
  actor: string;
  apiKeyId?: string | null;
  /** The gateway's own request id. */
  requestId?: string | null;
  /** The caller's X-Request-Id; looked up from the request in flight when not given. */
  callerRequestId?: string | null;
  subjectUserId?: string | null;
  vpd?: string | null;
  employeeNumber?: string | null;
  outcome?: string | null;
  /** Never names, dates of birth or NI numbers. */
  details?: Record<string, unknown> | null;
}

/** Filters of the audit read API; every one optional. */
export interface AuditEventFilter {
  type?: string;
  actor?: string;
  subjectUserId?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** nextCursor of the previous page. */
  cursor?: string;
  limit: number;
  /** Only events in these VPDs (a key restricted to them); events without a VPD are left out too. */
  vpds?: string[];
}

export interface AuditEventPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

/** Opaque cursor: base64url of the last id served. Pages go newest first, so the next page has smaller ids. */
export const encodeAuditCursor = (id: string): string => Buffer.from(String(id), 'utf8').toString('base64url');

const MAX_BIGINT = 9223372036854775807n;

export function decodeAuditCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  // Ids are bigint: a 19-digit number past its maximum would make PostgreSQL fail the query (500).
  if (!/^[1-9]\d{0,18}$/.test(id) || BigInt(id) > MAX_BIGINT) {
    throw new ValidationFailedError('cursor is not valid: pass nextCursor of a previous page unchanged', [
      { field: 'cursor', message: 'cursor is not valid: pass nextCursor of a previous page unchanged' },
    ]);
  }
  return id;
}

/** Rows per INSERT statement in recordMany (12 columns each: well under every driver's parameter limit). */
const AUDIT_INSERT_CHUNK = 500;

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEvent)
    private readonly events: Repository<AuditEvent>,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends an audit event. Pass the transaction's EntityManager so the event commits (or rolls
   * back) together with the change it records.
   */
  async record(event: NewAuditEvent, manager?: EntityManager): Promise<void> {
    const repository = manager ? manager.getRepository(AuditEvent) : this.events;
    // One INSERT statement (atomic on its own); save() would add BEGIN/COMMIT round trips and its
    // change detection, which a search pays for before its answer.
    await repository.insert(this.toRow(event, this.clock.now()) as QueryDeepPartialEntity<AuditEvent>);
  }

  /**
   * Appends a refusal, or counts it on the row of the same refusal (type, actor, outcome and VPD)
   * written within the last `windowMs`: someone retrying a refused call many times leaves one row
   * with a count, not a flood. Two replicas racing may each start a row; never more than that.
   */
  async recordRefusal(event: NewAuditEvent, windowMs: number): Promise<void> {
    const now = this.clock.now();
    const recent = await this.events
      .createQueryBuilder('e')
      .select(['e.id'])
      .where('e.actor = :actor AND e.type = :type AND e.occurredAt >= :since', {
        actor: event.actor,
        type: event.type,
        since: new Date(now.getTime() - windowMs),
      })
      .andWhere(event.outcome == null ? 'e.outcome IS NULL' : 'e.outcome = :outcome', { outcome: event.outcome })
      .andWhere(event.vpd == null ? 'e.vpd IS NULL' : 'e.vpd = :vpd', { vpd: event.vpd })
      .orderBy('e.id', 'DESC')
      .limit(1)
      .getOne();
    if (!recent) return this.record(event);
    await this.events
      .createQueryBuilder()
      .update(AuditEvent)
      .set({ repeatCount: () => 'repeat_count + 1' })
      .where('id = :id', { id: recent.id })
      .execute();
  }

  /**
   * Appends many events with multi-row inserts (bulk import). Same transaction rule as record():
   * pass the EntityManager of the change the events record.
   */
  async recordMany(events: NewAuditEvent[], manager?: EntityManager): Promise<void> {
    const repository = manager ? manager.getRepository(AuditEvent) : this.events;
    const occurredAt = this.clock.now();
    for (let i = 0; i < events.length; i += AUDIT_INSERT_CHUNK) {
      const rows = events.slice(i, i + AUDIT_INSERT_CHUNK).map((event) => this.toRow(event, occurredAt));
      await repository.insert(rows as QueryDeepPartialEntity<AuditEvent>[]);
    }
  }

  private toRow(event: NewAuditEvent, occurredAt: Date): Partial<AuditEvent> {
    return {
      type: event.type,
      occurredAt,
      actor: event.actor,
      apiKeyId: event.apiKeyId ?? null,
      requestId: event.requestId ?? null,
      callerRequestId: event.callerRequestId ?? callerRequestIds.of(event.requestId) ?? null,
      subjectUserId: event.subjectUserId ?? null,
      vpd: event.vpd ?? null,
      employeeNumber: event.employeeNumber ?? null,
      outcome: event.outcome ?? null,
      details: event.details ?? null,
    };
  }

  /**
   * One page of events, newest first (descending id: the order they were written), filtered. Reads
   * limit + 1 rows to know whether another page follows.
   */
  async find(filter: AuditEventFilter): Promise<AuditEventPage> {
    const query = this.events
      .createQueryBuilder('e')
      .orderBy('e.id', 'DESC')
      .take(filter.limit + 1);
    if (filter.type) query.andWhere('e.type = :type', { type: filter.type });
    if (filter.actor) query.andWhere('e.actor = :actor', { actor: filter.actor });
    if (filter.subjectUserId) query.andWhere('e.subjectUserId = :subject', { subject: filter.subjectUserId });
    if (filter.from) query.andWhere('e.occurredAt >= :from', { from: filter.from });
    if (filter.to) query.andWhere('e.occurredAt < :to', { to: filter.to });
    if (filter.cursor) query.andWhere('e.id < :after', { after: decodeAuditCursor(filter.cursor) });
    if (filter.vpds) query.andWhere('e.vpd IN (:...vpds)', { vpds: filter.vpds });
    const rows = await query.getMany();
    const items = rows.slice(0, filter.limit);
    const nextCursor = rows.length > filter.limit ? encodeAuditCursor(items[items.length - 1].id) : null;
    return { items, nextCursor };
  }
}
