import { Injectable } from '@nestjs/common';
import { CacheStore } from '../cache/cache.store';
import type { AccessSnapshot, RecordKey } from '../cache/role-cache.types';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import type { EsrMapping } from '../mappings/esr-mapping.entity';
import { MappingsService } from '../mappings/mappings.service';
import { RoleSyncService } from '../sync/role-sync.service';
import { AccessPolicy, buildUserAccess, decideForVpd, validUntil } from './access.evaluator';
import type { AccessDecision, UserAccess } from './access.types';

const EMPTY_SNAPSHOT: AccessSnapshot = { vpds: new Map(), roles: new Map() };

/**
 * Access resolution: "is Search ESR switched on for this user, and if not, why". Combines the
 * user's mappings (database) with the role cache kept by the role sync. Never calls ESR except
 * refresh().
 *
 * Public API (used by credential searches; keep stable):
 * - resolve(portalUserId): the access object of one user;
 * - resolveMany(portalUserIds): the same for several users, in the order asked;
 * - authorise(portalUserId, vpd): whether the user may search ESR in that VPD, with the reason;
 * - refresh(portalUserId): fetch the user's mapped records from ESR now, then resolve.
 * Each resolution costs ONE database query and at most ONE cache round trip, whatever the number
 * of users and mappings (none when nobody asked about has a mapping).
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly mappings: MappingsService,
    private readonly cache: CacheStore,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly sync: RoleSyncService,
  ) {}

  /** The settings access is judged by (ESR_ROLE_NAME, ACTIVATION_DELAY, ACCESS_MAX_STALENESS, ESR_VPDS). */
  get policy(): AccessPolicy {
    return {
      roleName: this.config.esrRoleName,
      activationDelayMs: this.config.activationDelayMs,
      maxStalenessMs: this.config.accessMaxStalenessMs,
      servedVpds: this.config.esrVpds,
    };
  }

  /** The access object of one portal user (an empty `mappings` list when none are mapped). */
  async resolve(portalUserId: string): Promise<UserAccess> {
    const [access] = await this.resolveMany([portalUserId]);
    return access;
  }

  /** Access objects of several users, one per id in the order given: ONE query, at most ONE cache round trip. */
  async resolveMany(portalUserIds: string[]): Promise<UserAccess[]> {
    const rows = await this.mappings.listForUsers([...new Set(portalUserIds)]);
    return this.evaluate(portalUserIds, rows);
  }

  /** May this user search ESR in `vpd`? Allowed only when a mapping in that VPD is ACTIVE. */
  async authorise(portalUserId: string, vpd: string): Promise<AccessDecision> {
    return decideForVpd(await this.resolve(portalUserId), vpd);
  }

  /**
   * Fetches this user's mapped records from ESR now (one call per VPD the gateway serves, through
   * the role sync, which updates the cache with the same window rules and fencing as a sync), then
   * answers the fresh access object. ESR failures propagate (ESR_UNAVAILABLE 503, ESR_TIMEOUT 504).
   */
  async refresh(portalUserId: string): Promise<UserAccess> {
    const rows = await this.mappings.list(portalUserId);
    const served = this.config.esrVpds;
    const byVpd = new Map<string, string[]>();
    for (const row of rows) {
      if (served && !served.includes(row.vpd)) continue;
      byVpd.set(row.vpd, [...(byVpd.get(row.vpd) ?? []), row.employeeNumber]);
    }
    await Promise.all([...byVpd].map(([vpd, employeeNumbers]) => this.sync.refreshRecords(vpd, employeeNumbers)));
    const [access] = await this.evaluate([portalUserId], rows);
    return access;
  }

  /** Instant after which a cached copy of `access` may be wrong (next change or staleness), or null. */
  validUntil(access: UserAccess): number | null {
    return validUntil(access, Date.parse(access.asOf), this.config.accessMaxStalenessMs);
  }

  private async evaluate(portalUserIds: string[], rows: EsrMapping[]): Promise<UserAccess[]> {
    const byUser = new Map<string, RecordKey[]>();
    const keys = new Map<string, RecordKey>();
    for (const row of rows) {
      const key = { vpd: row.vpd, employeeNumber: row.employeeNumber };
      byUser.set(row.portalUserId, [...(byUser.get(row.portalUserId) ?? []), key]);
      keys.set(`${key.vpd}:${key.employeeNumber}`, key);
    }
    const snapshot = keys.size > 0 ? await this.cache.readAccess([...keys.values()]) : EMPTY_SNAPSHOT;
    const now = this.clock.nowMs();
    const policy = this.policy;
    return portalUserIds.map((id) => buildUserAccess(id, byUser.get(id) ?? [], snapshot, now, policy));
  }
}
