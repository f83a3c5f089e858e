import { Injectable } from '@nestjs/common';
import { AccessChangeRecorder } from '../access-events/access-change.recorder';
import { AppConfig } from '../config/app-config';
import type { EsrMapping } from '../mappings/esr-mapping.entity';
import { MappingVerifier } from '../mappings/mapping-verifier';
import { MappingsService } from '../mappings/mappings.service';
import { RoleSyncService } from '../sync/role-sync.service';
import { AccessResolver } from './access-resolver';
import { AccessPolicy, decideForVpd } from './access.evaluator';
import type { AccessDecision, UserAccess } from './access.types';

/** Most users one resolveMany call (and POST /v1/esr-access/batch) may ask about. */
export const MAX_BATCH_USERS = 100;

/**
 * Access resolution: "is Search ESR switched on for this user, and if not, why". Combines the
 * user's mappings (database) with the role cache kept by the role sync. Never calls ESR except
 * refresh().
 *
 * Public API (used by credential searches; keep stable):
 * - resolve(portalUserId): the access object of one user;
 * - resolveMany(portalUserIds): the same for several users, in the order asked;
 * - authorise(portalUserId, vpd): whether the user may search ESR in that VPD, with the reason;
 * - refresh(portalUserId): fetch the user's mapped records from ESR now (and confirm unverified
 *   mappings), then resolve.
 * Each resolution costs ONE database query and at most ONE cache round trip, whatever the number
 * of users and mappings (none when nobody asked about has a mapping); see AccessResolver.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly mappings: MappingsService,
    private readonly resolver: AccessResolver,
    private readonly config: AppConfig,
    private readonly sync: RoleSyncService,
    private readonly verifier: MappingVerifier,
    private readonly recorder: AccessChangeRecorder,
  ) {}

  /** The settings access is judged by (ESR_ROLE_NAME, ACTIVATION_DELAY, ACCESS_MAX_STALENESS, ESR_VPDS, SUPPORT_CONTACT). */
  get policy(): AccessPolicy {
    return this.resolver.policy;
  }

  /** The access object of one portal user (an empty `mappings` list when none are mapped). */
  async resolve(portalUserId: string): Promise<UserAccess> {
    const [access] = await this.resolveMany([portalUserId]);
    return access;
  }

  /** Access objects of several users, one per id in the order given: ONE query, at most ONE cache round trip. */
  async resolveMany(portalUserIds: string[]): Promise<UserAccess[]> {
    const rows = await this.mappings.listForUsers([...new Set(portalUserIds)]);
    return this.resolver.evaluate(portalUserIds, rows);
  }

  /** May this user search ESR in `vpd`? Allowed only when a mapping in that VPD is ACTIVE. */
  async authorise(portalUserId: string, vpd: string): Promise<AccessDecision> {
    return decideForVpd(await this.resolve(portalUserId), vpd);
  }

  /**
   * Fetches this user's mapped records from ESR now (one call per VPD the gateway serves, through
   * the role sync, which updates the cache with the same window rules and fencing as a sync), then
   * answers the fresh access object. Unverified mappings are checked in ESR too (within
   * ESR_INTERACTIVE_DEADLINE; a check ESR cannot answer leaves them for later). ESR failures of the
   * role fetch propagate (ESR_UNAVAILABLE 503, ESR_TIMEOUT 504).
   */
  async refresh(portalUserId: string): Promise<UserAccess> {
    let rows = await this.mappings.list(portalUserId);
    const served = this.config.esrVpds;
    const byVpd = new Map<string, string[]>();
    for (const row of rows) {
      if (served && !served.includes(row.vpd)) continue;
      byVpd.set(row.vpd, [...(byVpd.get(row.vpd) ?? []), row.employeeNumber]);
    }
    await Promise.all([...byVpd].map(([vpd, employeeNumbers]) => this.sync.refreshRecords(vpd, employeeNumbers)));
    if (rows.some((r: EsrMapping) => !r.verified)) {
      await this.verifier.verifyNow(rows, Date.now() + this.config.esrInteractiveDeadlineMs);
      rows = await this.mappings.list(portalUserId);
    }
    await this.recorder.reevaluateNow([portalUserId], 'refresh');
    const [access] = await this.resolver.evaluate([portalUserId], rows);
    return access;
  }

  /** Instant after which a cached copy of `access` may be wrong (next change or staleness), or null. */
  validUntil(access: UserAccess): number | null {
    return this.resolver.validUntil(access);
  }
}
