import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuthFailures, FailedAuth } from '../common/auth/auth-failures';
import { Clock } from '../common/clock/clock';
import { AuditSettings } from '../config/settings/audit.settings';
import { HttpSettings } from '../config/settings/http.settings';
import { AuditEvent } from '../database/audit-event.entity';
import { AuthFailureThrottle } from '../rate-limits/auth-failure-throttle';
import { RateCounter } from '../role-store/rate-counter';

/** What an AUTH_FAILED event's details hold: never the presented key itself. */
type AuthFailedDetails = {
  clientAddress: string;
  count: number;
  firstAt: string;
  lastAt: string;
  surfaces: string[];
  keyIds: string[];
  /** Set once the address went over the limit in this window (then answered 429 for retryAfterSeconds). */
  refusedAt?: string;
  retryAfterSeconds?: number;
};

/** Key ids listed in one event at most (a client trying many ids still writes a bounded row). */
const MAX_KEY_IDS = 20;

/**
 * The throttle of failed keys and sign-ins (AuthFailures, for ApiKeyGuard, the status page and the
 * readiness): counts each failure per client address in AuthFailureThrottle (shared across replicas)
 * and audits it as AUTH_FAILED, aggregated per address per AUDIT_REFUSAL_WINDOW: one row per address
 * and window with the count, first and last time, the surfaces and any key ids named, updated while
 * failures are counted (at most AUTH_FAILURES_PER_MINUTE a minute, then a growing block) and marked
 * refused (outcome RATE_LIMITED, refusedAt, retryAfterSeconds) when a block starts; refused attempts write nothing. An attack writes a bounded
 * number of rows and updates. A Redis or database failure never turns a 401 into a 500: it is logged.
 */
@Injectable()
export class AuthFailureRecorder extends AuthFailures {
  private readonly logger = new Logger(AuthFailureRecorder.name);
  private readonly throttle: AuthFailureThrottle;
  private readonly windowMs: number;

  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    private readonly clock: Clock,
    counter: RateCounter,
    http: HttpSettings,
    audit: AuditSettings,
  ) {
    super();
    this.throttle = new AuthFailureThrottle(counter, clock, http.authFailuresPerMinute);
    this.windowMs = audit.refusalWindowMs;
  }

  refusedFor(address: string): number {
    return this.throttle.refusedFor(address);
  }

  async failed(attempt: FailedAuth): Promise<number> {
    let decision;
    try {
      decision = await this.throttle.fail(attempt.address);
    } catch (error) {
      this.logger.warn({ msg: 'failed key not counted: the rate counter is unavailable', error: (error as Error).message });
      decision = { counted: true, refusedForSeconds: 0, blockedNow: false };
    }
    if (decision.counted || decision.blockedNow)
      await this.audit(attempt, decision.counted, decision.blockedNow ? this.throttle.refusedFor(attempt.address) : 0).catch(
        (error: unknown) => this.logger.warn({ msg: 'AUTH_FAILED not audited', error: (error as Error).message }),
      );
    return decision.refusedForSeconds;
  }

  /** Adds one failure (or the refusal) to the address's row of this window, or starts one. */
  private async audit(attempt: FailedAuth, counted: boolean, refusedForSeconds: number): Promise<void> {
    const now = this.clock.now();
    const recent = await this.events
      .createQueryBuilder('e')
      .where('e.type = :type AND e.actor = :actor AND e.occurredAt >= :since', {
        type: 'AUTH_FAILED',
        actor: attempt.address,
        since: new Date(now.getTime() - this.windowMs),
      })
      .orderBy('e.id', 'DESC')
      .limit(1)
      .getOne();
    const details = merge(recent?.details as AuthFailedDetails | undefined, attempt, now, counted, refusedForSeconds);
    if (!recent) {
      const row: Partial<AuditEvent> = {
        type: 'AUTH_FAILED',
        occurredAt: now,
        actor: attempt.address,
        apiKeyId: attempt.keyId ?? null,
        outcome: 'UNAUTHENTICATED',
        details,
      };
      await this.events.insert(row as QueryDeepPartialEntity<AuditEvent>);
      return;
    }
    const change: Partial<AuditEvent> = {
      repeatCount: details.count,
      details,
      ...(refusedForSeconds > 0 ? { outcome: 'RATE_LIMITED' } : {}),
    };
    await this.events.update({ id: recent.id }, change as QueryDeepPartialEntity<AuditEvent>);
  }
}

function merge(
  previous: AuthFailedDetails | undefined,
  attempt: FailedAuth,
  now: Date,
  counted: boolean,
  refusedForSeconds: number,
): AuthFailedDetails {
  const at = now.toISOString();
  const details: AuthFailedDetails = previous
    ? { ...previous, count: previous.count + (counted ? 1 : 0), lastAt: at }
    : { clientAddress: attempt.address, count: counted ? 1 : 0, firstAt: at, lastAt: at, surfaces: [], keyIds: [] };
  if (!details.surfaces.includes(attempt.surface)) details.surfaces = [...details.surfaces, attempt.surface];
  if (attempt.keyId && !details.keyIds.includes(attempt.keyId) && details.keyIds.length < MAX_KEY_IDS)
    details.keyIds = [...details.keyIds, attempt.keyId];
  if (refusedForSeconds > 0) Object.assign(details, { refusedAt: at, retryAfterSeconds: refusedForSeconds });
  return details;
}
