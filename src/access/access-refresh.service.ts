import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { AuditSettings } from '../config/settings/audit.settings';
import { RateBudgets } from '../config/settings/rate-budgets.settings';
import { hashedCaller } from '../rate-limits/caller-budget';
import { CallerRateLimiter } from '../rate-limits/caller-rate-limiter';
import { AccessService } from './access.service';
import type { UserAccess } from '../domain/access.types';

/** Who asked for a refresh: the API key, the request, and the portal user if the portal said. */
export interface RefreshContext {
  actingUser?: string;
  apiKeyId: string;
  requestId: string;
}

/**
 * The on-demand refresh as the portal calls it: at most REFRESH_RATE_LIMIT_PER_MINUTE per portal
 * user (a budget of the CallerRateLimiter, so across replicas; a refresh costs ESR calls shared with
 * searches and the sync), and every refresh audited, refused or not. Public API: refresh().
 */
@Injectable()
export class AccessRefreshService {
  constructor(
    private readonly access: AccessService,
    private readonly limiter: CallerRateLimiter,
    private readonly audit: AuditService,
    private readonly budgets: RateBudgets,
    private readonly auditSettings: AuditSettings,
  ) {}

  async refresh(portalUserId: string, ctx: RefreshContext): Promise<UserAccess> {
    const event = {
      type: 'ACCESS_REFRESHED' as const,
      actor: ctx.actingUser ?? ctx.apiKeyId,
      apiKeyId: ctx.apiKeyId,
      requestId: ctx.requestId,
      subjectUserId: portalUserId,
    };
    const limit = this.budgets.refreshPerUserPerMinute;
    const decision = await this.limiter.consume([{ name: 'access-refresh', limitPerMinute: limit, caller: hashedCaller(portalUserId) }]);
    if (!decision.allowed) {
      const { retryAfterSeconds } = decision;
      await this.audit.recordRefusal({ ...event, outcome: 'RATE_LIMITED' }, this.auditSettings.refusalWindowMs);
      throw new DomainError(
        'RATE_LIMITED',
        `At most ${limit} refreshes a minute are allowed for one portal user; try again in ${retryAfterSeconds} seconds.`,
        { retryAfterSeconds },
      );
    }
    let access: UserAccess;
    try {
      access = await this.access.refresh(portalUserId);
    } catch (error) {
      await this.audit.record({ ...event, outcome: error instanceof DomainError ? error.code : 'INTERNAL' });
      throw error;
    }
    await this.audit.record({
      ...event,
      outcome: access.searchEnabled ? 'SEARCH_ENABLED' : 'SEARCH_NOT_ENABLED',
      details: { mappings: access.mappings.length },
    });
    return access;
  }
}
