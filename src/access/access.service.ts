import { Injectable } from '@nestjs/common';
import { AccessChangeRecorder } from '../access-events/access-change-recorder';
import { EsrSettings } from '../config/settings/esr.settings';
import { MappingVerifier } from '../mappings/mapping-verifier';
import { MappingsService } from '../mappings/mappings.service';
import type { AccessSnapshot } from '../role-store/role.types';
import { RecordRefresher } from '../sync/record-refresher';
import { AccessResolver } from '../access-policy/access-resolver';
import { AccessPolicy, decideForVpd } from '../access-policy/access-evaluator';
import type { AccessDecision, UserAccess } from '../domain/access.types';
import { MappingCache, MirroredMapping, MirrorFill, mirrored } from '../mapping-cache/mapping-cache';
import { MappingCacheMetrics } from '../mapping-cache/mapping-cache.metrics';

/**
 * Access resolution: "is Search ESR switched on for this user, and if not, why". Combines the
 * user's mappings with the role data kept by the role sync, both read from the shared cache: the
 * mapping mirror (src/mapping-cache/) keeps each user's mappings next to the role data. Never calls
 * ESR except refresh().
 *
 * Public API (used by credential searches; keep stable):
 * - resolve(portalUserId): the access object of one user;
 * - resolveMany(portalUserIds): the same for several users, in the order asked;
 * - authorise(portalUserId, vpd): whether the user may search ESR in that VPD, with the reason;
 * - refresh(portalUserId): fetch the user's mapped records from ESR now (and confirm unverified
 *   mappings), then resolve.
 *
 * Budget per resolution, whatever the number of users (up to the batch route's 100) and mappings:
 * - every user cached (the steady state): ONE cache round trip (one Lua script on Redis) and NO
 *   database query;
 * - some users not cached (cold cache, Redis restarted empty, a write in progress): that round trip,
 *   then ONE database query for those users, then ONE more round trip that caches them (unless a
 *   write began meanwhile) and reads the role data of everyone asked.
 * Only when a mapped VPD has no synced data at all is the list of VPDs the sync has seen read too,
 * at most once a minute (AccessResolver).
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly mappings: MappingsService,
    private readonly mirror: MappingCache,
    private readonly resolver: AccessResolver,
    private readonly esr: EsrSettings,
    private readonly refresher: RecordRefresher,
    private readonly verifier: MappingVerifier,
    private readonly recorder: AccessChangeRecorder,
    private readonly metrics: MappingCacheMetrics,
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

  /** Access objects of several users, one per id in the order given (budget: see the class). */
  async resolveMany(portalUserIds: string[]): Promise<UserAccess[]> {
    const unique = [...new Set(portalUserIds)];
    const read = await this.mirror.read(unique);
    const records = new Map<string, MirroredMapping[]>();
    const uncached: string[] = [];
    for (const [id, user] of read.users) {
      if (user.kind === 'hit') records.set(id, user.records);
      else uncached.push(id);
    }
    this.metrics.reads(unique.length - uncached.length, uncached.length);
    let snapshot: AccessSnapshot = read.snapshot;
    if (uncached.length > 0) {
      for (const row of await this.mappings.listForUsers(uncached)) {
        const list = records.get(row.portalUserId) ?? [];
        list.push(mirrored(row));
        records.set(row.portalUserId, list);
      }
      const fills: MirrorFill[] = [];
      for (const id of uncached) {
        const user = read.users.get(id);
        if (user?.kind === 'miss') fills.push({ portalUserId: id, ticket: user.ticket, records: records.get(id) ?? [] });
      }
      snapshot = (await this.mirror.fillAndRead(fills, [...records.values()].flat())).snapshot;
    }
    return this.resolver.build(portalUserIds, records, snapshot);
  }

  /** May this user search ESR in `vpd`? Allowed only when a mapping in that VPD is ACTIVE. */
  async authorise(portalUserId: string, vpd: string): Promise<AccessDecision> {
    return decideForVpd(await this.resolve(portalUserId), vpd);
  }

  /**
   * Fetches this user's mapped records from ESR now (one call per VPD the gateway serves, through
   * the role sync, which updates the role store with the same window rules and fencing as a sync),
   * then answers the fresh access object. Unverified mappings are checked in ESR too (within
   * ESR_INTERACTIVE_DEADLINE; a check ESR cannot answer leaves them for later). ESR failures of the
   * role fetch propagate (ESR_UNAVAILABLE 503, ESR_TIMEOUT 504).
   */
  async refresh(portalUserId: string): Promise<UserAccess> {
    let rows = await this.mappings.list(portalUserId);
    const served = this.esr.vpds;
    const byVpd = new Map<string, string[]>();
    for (const row of rows) {
      if (served && !served.includes(row.vpd)) continue;
      byVpd.set(row.vpd, [...(byVpd.get(row.vpd) ?? []), row.employeeNumber]);
    }
    await Promise.all([...byVpd].map(([vpd, employeeNumbers]) => this.refresher.refreshRecords(vpd, employeeNumbers)));
    if (rows.some((r) => !r.verified)) {
      await this.verifier.verifyNow(rows, Date.now() + this.esr.interactiveDeadlineMs);
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
