import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In } from 'typeorm';
import { AccessResolver } from '../access-policy/access-resolver';
import type { UserAccess } from '../domain/access.types';
import { Clock } from '../common/clock/clock';
import { WebhookSettings } from '../config/settings/webhook.settings';
import { lockPortalUsers } from '../database/user-locks';
import { EsrMapping } from '../database/esr-mapping.entity';
import { ACCESS_CHANGED, AccessChangedEvent, ChangeCause, diffAccess, WatchedAccess, watchedOf } from './access-change';
import { AccessWatch } from '../database/access-watch.entity';
import { WebhookDelivery } from '../database/webhook-delivery.entity';

/** What a user's access was before a change: as last notified, else as evaluated just before it. */
export type CapturedAccess = Map<string, WatchedAccess | undefined>;

/** Rows per INSERT of outbox rows (9 columns each). */
const OUTBOX_CHUNK = 200;

/**
 * Writes access-change events into the outbox (webhook_deliveries) in the caller's transaction.
 * A mapping write calls capture() before and commit() after its change; the monitor calls
 * reevaluate() for users whose access may have changed by time or by new role data. Either way the
 * users are locked (lockPortalUsers), evaluated (AccessResolver: one query for their mappings, one
 * cache round trip), compared with access_watch (what the portal last heard), and an event is written
 * for each user whose searchEnabled or any mapping's state changed. access_watch keeps each user's
 * next time-based change (nextCheckAt) for the scheduler. Does nothing when WEBHOOK_URL is unset.
 */
@Injectable()
export class AccessChangeRecorder {
  constructor(
    private readonly resolver: AccessResolver,
    private readonly webhooks: WebhookSettings,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource?: DataSource,
  ) {}

  /** reevaluate() in a transaction of its own (e.g. after an access refresh rewrote a user's role data). */
  async reevaluateNow(portalUserIds: string[], cause: ChangeCause): Promise<number> {
    if (!this.enabled || !this.dataSource || portalUserIds.length === 0) return 0;
    return this.dataSource.transaction((manager) => this.reevaluate(manager, portalUserIds, cause));
  }

  get enabled(): boolean {
    return this.webhooks.enabled;
  }

  /** Before a mapping change, in its transaction: the users' access as the portal last heard it. */
  async capture(manager: EntityManager, portalUserIds: string[]): Promise<CapturedAccess> {
    const captured: CapturedAccess = new Map();
    if (!this.enabled || portalUserIds.length === 0) return captured;
    const users = [...new Set(portalUserIds)];
    await lockPortalUsers(manager, users);
    const watched = await this.watched(manager, users);
    const unknown = users.filter((u) => !watched.has(u));
    const evaluated = unknown.length > 0 ? await this.evaluate(manager, unknown) : [];
    for (const access of evaluated) watched.set(access.portalUserId, watchedOf(access));
    for (const user of users) captured.set(user, watched.get(user));
    return captured;
  }

  /** After a mapping change, in the same transaction: events for the users whose access changed. */
  async commit(manager: EntityManager, captured: CapturedAccess, cause: ChangeCause = 'mapping'): Promise<number> {
    if (!this.enabled || captured.size === 0) return 0;
    return this.record(manager, [...captured.keys()], captured, cause);
  }

  /**
   * Re-evaluates these users against what they were last told (the monitor: time passed, or the
   * role data of their VPD changed). A user never watched gets a baseline and no event.
   */
  async reevaluate(manager: EntityManager, portalUserIds: string[], cause: ChangeCause): Promise<number> {
    if (!this.enabled || portalUserIds.length === 0) return 0;
    const users = [...new Set(portalUserIds)];
    await lockPortalUsers(manager, users);
    const watched = await this.watched(manager, users);
    return this.record(manager, users, new Map(users.map((u) => [u, watched.get(u)])), cause);
  }

  private async record(manager: EntityManager, users: string[], previous: CapturedAccess, cause: ChangeCause): Promise<number> {
    const now = this.clock.now();
    const accesses = await this.evaluate(manager, users);
    const changed: Array<{ access: UserAccess; before: WatchedAccess; changes: AccessChangedEvent['mappings'] }> = [];
    const keep: AccessWatch[] = [];
    const drop: string[] = [];
    for (const access of accesses) {
      const current = watchedOf(access);
      const before = previous.get(access.portalUserId);
      const changes = before ? diffAccess(before, current) : null;
      if (before && changes) changed.push({ access, before, changes });
      if (access.mappings.length === 0) drop.push(access.portalUserId);
      else keep.push(this.watchRow(access, now));
    }
    const last = await this.lastSequences(
      manager,
      changed.map((c) => c.access.portalUserId),
    );
    const outbox = changed.map(({ access, before, changes }) => {
      const sequence = (last.get(access.portalUserId) ?? 0) + 1;
      last.set(access.portalUserId, sequence);
      return this.delivery(access, before, changes, cause, now, sequence);
    });
    for (let i = 0; i < outbox.length; i += OUTBOX_CHUNK) await manager.insert(WebhookDelivery, outbox.slice(i, i + OUTBOX_CHUNK));
    if (keep.length > 0) await manager.upsert(AccessWatch, keep, ['portalUserId']);
    if (drop.length > 0) await manager.delete(AccessWatch, { portalUserId: In(drop) });
    return outbox.length;
  }

  private async evaluate(manager: EntityManager, users: string[]): Promise<UserAccess[]> {
    const rows = await manager.find(EsrMapping, {
      where: { portalUserId: users.length === 1 ? users[0] : In(users) },
      order: { portalUserId: 'ASC', createdAt: 'ASC', vpd: 'ASC', employeeNumber: 'ASC' },
    });
    return this.resolver.evaluate(users, rows);
  }

  /** Each user's latest event `sequence` (absent: none yet). The users are locked (lockPortalUsers), so the next is theirs. */
  private async lastSequences(manager: EntityManager, users: string[]): Promise<Map<string, number>> {
    const last = new Map<string, number>();
    for (let i = 0; i < users.length; i += OUTBOX_CHUNK) {
      const rows = await manager
        .createQueryBuilder(WebhookDelivery, 'd')
        .select('d.portalUserId', 'user')
        .addSelect('MAX(d.sequence)', 'last')
        .where('d.portalUserId IN (:...users)', { users: users.slice(i, i + OUTBOX_CHUNK) })
        .groupBy('d.portalUserId')
        .getRawMany<{ user: string; last: string | number }>();
      for (const row of rows) last.set(row.user, Number(row.last));
    }
    return last;
  }

  private async watched(manager: EntityManager, users: string[]): Promise<Map<string, WatchedAccess>> {
    const rows = await manager.find(AccessWatch, { where: { portalUserId: In(users) } });
    return new Map(rows.map((r) => [r.portalUserId, { searchEnabled: r.searchEnabled, mappings: r.mappings }]));
  }

  private watchRow(access: UserAccess, now: Date): AccessWatch {
    const next = this.resolver.validUntil(access);
    return Object.assign(new AccessWatch(), {
      portalUserId: access.portalUserId,
      ...watchedOf(access),
      nextCheckAt: next === null ? null : new Date(next),
      updatedAt: now,
    });
  }

  private delivery(
    access: UserAccess,
    before: WatchedAccess,
    mappings: AccessChangedEvent['mappings'],
    cause: ChangeCause,
    now: Date,
    sequence: number,
  ): WebhookDelivery {
    const event: AccessChangedEvent = {
      id: randomUUID(),
      type: ACCESS_CHANGED,
      occurredAt: now.toISOString(),
      sequence,
      portalUserId: access.portalUserId,
      searchEnabled: access.searchEnabled,
      previousSearchEnabled: before.searchEnabled,
      nextChangeAt: access.nextChangeAt,
      cause,
      mappings,
    };
    return Object.assign(new WebhookDelivery(), {
      eventId: event.id,
      portalUserId: access.portalUserId,
      sequence: String(sequence),
      payload: JSON.stringify(event),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      claimedUntil: null,
      claimedBy: null,
      lastStatus: null,
      lastError: null,
      createdAt: now,
      deliveredAt: null,
    });
  }
}
