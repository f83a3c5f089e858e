import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AccessSettings } from '../config/settings/access.settings';
import { EsrSettings } from '../config/settings/esr.settings';
import { RoleReads } from '../role-store/role-reads';
import type { AccessSnapshot, RecordKey } from '../role-store/role.types';
import { AccessPolicy, buildUserAccess, EvaluatedRecord, validUntil } from './access-evaluator';
import type { UserAccess } from '../domain/access.types';

/** A mapping row as access resolution needs it (EsrMapping satisfies it). */
export type MappingRowForAccess = EvaluatedRecord & { portalUserId: string };

/** How long the list of VPDs the sync has seen is reused before it is read again. */
const LISTED_VPDS_TTL_MS = 60_000;

const EMPTY_SNAPSHOT: AccessSnapshot = { vpds: new Map(), roles: new Map() };

/**
 * Turns mapping rows into access objects: the pure evaluator over ONE cache round trip (role data
 * and VPD freshness). Only when a mapped VPD has no synced data at all (and ESR_VPDS is unset) is
 * the list of VPDs the sync has seen read too, at most once a minute, to tell "ESR does not list
 * this VPD" from "not synced yet". Depends on no mapping store, so mappings, access and the
 * access-change recorder can all use it.
 */
@Injectable()
export class AccessResolver {
  private listed: { vpds: ReadonlySet<string>; readAt: number } | null = null;
  private readonly settings: AccessPolicy;

  constructor(
    private readonly roles: RoleReads,
    esr: EsrSettings,
    access: AccessSettings,
    private readonly clock: Clock,
  ) {
    this.settings = {
      roleName: esr.roleName,
      activationDelayMs: access.activationDelayMs,
      maxStalenessMs: access.maxStalenessMs,
      servedVpds: esr.vpds,
      supportContact: access.supportContact,
    };
  }

  /** The settings access is judged by (ESR_ROLE_NAME, ACTIVATION_DELAY, ACCESS_MAX_STALENESS, ESR_VPDS, SUPPORT_CONTACT), read once. */
  get policy(): AccessPolicy {
    return this.settings;
  }

  /** Access objects for these users (in the order given) from their mapping rows: ONE role store round trip. */
  async evaluate(portalUserIds: string[], rows: MappingRowForAccess[]): Promise<UserAccess[]> {
    const byUser = new Map<string, EvaluatedRecord[]>();
    const keys = new Map<string, RecordKey>();
    for (const row of rows) {
      const record = { vpd: row.vpd, employeeNumber: row.employeeNumber, verified: row.verified, esrStatus: row.esrStatus };
      byUser.set(row.portalUserId, [...(byUser.get(row.portalUserId) ?? []), record]);
      keys.set(`${row.vpd}:${row.employeeNumber}`, { vpd: row.vpd, employeeNumber: row.employeeNumber });
    }
    const snapshot = keys.size > 0 ? await this.roles.readAccess([...keys.values()]) : EMPTY_SNAPSHOT;
    return this.build(portalUserIds, byUser, snapshot);
  }

  /**
   * Access objects for these users from records and the role snapshot already read together (the
   * mapping mirror's round trip). Reads nothing more unless a mapped VPD has no synced data at all.
   */
  async build(portalUserIds: string[], byUser: Map<string, EvaluatedRecord[]>, snapshot: AccessSnapshot): Promise<UserAccess[]> {
    let policy = this.settings;
    if (!policy.servedVpds && [...byUser.values()].some((list) => list.some((k) => !snapshot.vpds.has(k.vpd))))
      policy = { ...policy, listedVpds: await this.listedVpds() };
    const now = this.clock.nowMs();
    return portalUserIds.map((id) => buildUserAccess(id, byUser.get(id) ?? [], snapshot, now, policy));
  }

  /** Instant after which a cached copy of `access` may be wrong (next change or staleness), or null. */
  validUntil(access: UserAccess): number | null {
    return validUntil(access, Date.parse(access.asOf), this.settings.maxStalenessMs);
  }

  private async listedVpds(): Promise<ReadonlySet<string>> {
    const now = this.clock.nowMs();
    if (!this.listed || Math.abs(now - this.listed.readAt) > LISTED_VPDS_TTL_MS) {
      this.listed = { vpds: new Set(await this.roles.knownSyncVpds()), readAt: now };
    }
    return this.listed.vpds;
  }
}
