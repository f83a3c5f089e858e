import type { AccessSnapshot, CachedRole, RecordKey } from './role.types';
import { recordKey } from './role.types';
import { eligibleRole } from './role-row-codec';
import { copyRole, Generation, MemoryRoleVpds } from './memory-role-state';
import { RoleReads } from './role-reads';
import { deriveSyncState, emptyVpdMeta, VpdRoleCounts, VpdSyncRecord } from './sync-records.types';

/** Reading the in-process role data: access snapshots, VPD sync records, the VPDs known, lookups. */
export class MemoryRoleReads extends RoleReads {
  constructor(private readonly vpds: MemoryRoleVpds) {
    super();
  }

  async readAccess(keys: RecordKey[]): Promise<AccessSnapshot> {
    const snapshot: AccessSnapshot = { vpds: new Map(), roles: new Map() };
    for (const key of keys) {
      const data = this.vpds.find(key.vpd);
      const live = data?.meta.generation ? data.generations.get(data.meta.generation) : undefined;
      if (!data || !live) continue;
      if (!snapshot.vpds.has(key.vpd)) {
        snapshot.vpds.set(key.vpd, {
          vpd: key.vpd,
          state: deriveSyncState(data.meta),
          lastSuccessAt: data.meta.lastSuccessAt,
          lastFullSyncAt: data.meta.lastFullSyncAt,
        });
      }
      const list = live.rows.get(key.employeeNumber);
      if (list && list.size > 0) snapshot.roles.set(recordKey(key.vpd, key.employeeNumber), [...list.values()].map(copyRole));
    }
    return snapshot;
  }

  async readVpdSync(vpds: string[], atMs: number): Promise<Map<string, VpdSyncRecord>> {
    const out = new Map<string, VpdSyncRecord>();
    for (const vpd of vpds) {
      const data = this.vpds.find(vpd);
      const meta = data ? structuredClone(data.meta) : emptyVpdMeta(vpd);
      const live = data?.meta.generation ? data.generations.get(data.meta.generation) : undefined;
      out.set(vpd, { ...meta, counts: live ? this.counts(live, atMs) : null });
    }
    return out;
  }

  async knownSyncVpds(): Promise<string[]> {
    return this.vpds.names();
  }

  async lookupRoles(vpd: string, assignmentIds: string[]): Promise<Map<string, CachedRole>> {
    const live = this.vpds.live(vpd);
    const out = new Map<string, CachedRole>();
    if (!live) return out;
    for (const id of assignmentIds) {
      const role = live.get(id);
      if (role) out.set(id, copyRole(role));
    }
    return out;
  }

  private counts(live: Generation, atMs: number): VpdRoleCounts {
    let eligible = 0;
    let pending = 0;
    let ended = 0;
    for (const list of live.rows.values()) {
      for (const role of list.values()) {
        if (!eligibleRole(role)) continue;
        eligible++;
        if (Date.parse(role.effectiveFrom) > atMs) pending++;
        else if (role.effectiveUntil !== null && Date.parse(role.effectiveUntil) <= atMs) ended++;
      }
    }
    return { holders: live.aidx.size, people: live.rows.size, active: eligible - pending - ended, pending };
  }
}
