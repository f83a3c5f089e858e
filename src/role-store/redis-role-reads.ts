import type { AccessSnapshot, CachedRole, RecordKey } from './role.types';
import { recordKey } from './role.types';
import { decodeRoles, fromStoredRole, StoredRole } from './role-row-codec';
import { json } from './redis-commands';
import type { RedisConnection } from './redis-connection';
import { RoleReads } from './role-reads';
import { deriveSyncState, emptyVpdMeta, SyncLastRun, SyncProgress, VpdSyncMeta, VpdSyncRecord } from './sync-records.types';

/**
 * Adds one VPD of a READ_ACCESS-shaped reply (meta fields gen, running, lastOutcome, heldRemovals,
 * lastSuccessAt, lastFullSyncAt; then the encoded rows of `employees`, in order) to `snapshot`.
 */
export function addAccessReply(
  snapshot: AccessSnapshot,
  vpd: string,
  employees: string[],
  meta: Array<string | null>,
  rows: Array<string | null>,
): void {
  const [generation, running, lastOutcome, heldRemovals, lastSuccessAt, lastFullSyncAt] = meta;
  if (!generation) return;
  snapshot.vpds.set(vpd, {
    vpd,
    state: deriveSyncState({
      running: running ?? null,
      lastOutcome: (lastOutcome as VpdSyncMeta['lastOutcome']) ?? null,
      heldRemovals: Number(heldRemovals ?? 0),
    }),
    lastSuccessAt: lastSuccessAt ?? null,
    lastFullSyncAt: lastFullSyncAt ?? null,
  });
  employees.forEach((employeeNumber, k) => {
    const raw = rows[k];
    if (raw) snapshot.roles.set(recordKey(vpd, employeeNumber), decodeRoles(raw));
  });
}

/** Reading the role data in Redis: access snapshots, VPD sync records, the VPDs known, lookups. */
export class RedisRoleReads extends RoleReads {
  constructor(private readonly connection: RedisConnection) {
    super();
  }

  async readAccess(keys: RecordKey[]): Promise<AccessSnapshot> {
    const snapshot: AccessSnapshot = { vpds: new Map(), roles: new Map() };
    if (keys.length === 0) return snapshot;
    const byVpd = new Map<string, string[]>();
    for (const key of keys) {
      const list = byVpd.get(key.vpd) ?? [];
      if (!list.includes(key.employeeNumber)) list.push(key.employeeNumber);
      byVpd.set(key.vpd, list);
    }
    const vpds = [...byVpd.keys()];
    const keyList = vpds.flatMap((v) => this.connection.keys.vpdReadKeys(v));
    const args: Array<string | number> = [...keyList];
    for (const vpd of vpds) {
      const employees = byVpd.get(vpd) as string[];
      args.push(employees.length, ...employees);
    }
    const reply = await this.connection.redis.roleReadAccess(keyList.length, ...args);
    vpds.forEach((vpd, v) => {
      const [meta, rows] = reply[v] as [Array<string | null>, Array<string | null>];
      addAccessReply(snapshot, vpd, byVpd.get(vpd) as string[], meta, rows);
    });
    return snapshot;
  }

  async readVpdSync(vpds: string[], atMs: number): Promise<Map<string, VpdSyncRecord>> {
    const out = new Map<string, VpdSyncRecord>();
    if (vpds.length === 0) return out;
    const keyList = vpds.flatMap((v) => this.connection.keys.vpdFamily(v));
    const reply = await this.connection.redis.roleReadVpdSync(keyList.length, ...keyList, Math.floor(atMs));
    vpds.forEach((vpd, v) => {
      const [flat, counts] = reply[v] as [string[], number[]];
      const fields = new Map<string, string>();
      for (let i = 0; i < flat.length; i += 2) fields.set(flat[i], flat[i + 1]);
      const meta = this.decodeMeta(vpd, fields);
      const [holders, people, eligible, pending, ended] = counts.map(Number);
      out.set(vpd, {
        ...meta,
        counts:
          meta.generation && counts.length === 5
            ? {
                holders: holders,
                people: people,
                pending: pending,
                active: eligible - pending - ended,
              }
            : null,
      });
    });
    return out;
  }

  async knownSyncVpds(): Promise<string[]> {
    return (await this.connection.redis.smembers(this.connection.keys.vpds)).sort();
  }

  async lookupRoles(vpd: string, assignmentIds: string[]): Promise<Map<string, CachedRole>> {
    const out = new Map<string, CachedRole>();
    if (assignmentIds.length === 0) return out;
    const { redis, keys } = this.connection;
    const family = keys.vpdFamily(vpd);
    const reply = await redis.roleLookup(family.length, ...family, ...assignmentIds);
    reply.forEach((raw, i) => {
      if (raw) out.set(assignmentIds[i], fromStoredRole(JSON.parse(raw) as StoredRole));
    });
    return out;
  }

  private decodeMeta(vpd: string, fields: Map<string, string>): VpdSyncMeta {
    const meta = emptyVpdMeta(vpd);
    const text = (name: string): string | null => fields.get(name) ?? null;
    meta.generation = text('gen');
    meta.building = text('building');
    meta.watermark = text('watermark');
    meta.lastAttemptAt = text('lastAttemptAt');
    meta.lastSuccessAt = text('lastSuccessAt');
    meta.lastFullSyncAt = text('lastFullSyncAt');
    meta.consecutiveFailures = Number(fields.get('consecutiveFailures') ?? 0);
    meta.running = text('running');
    meta.lastOutcome = text('lastOutcome') as VpdSyncMeta['lastOutcome'];
    meta.lastError = text('lastError');
    meta.lastRun = json<SyncLastRun>(fields.get('lastRun'));
    meta.progress = json<SyncProgress>(fields.get('progress'));
    meta.heldRemovals = Number(fields.get('heldRemovals') ?? 0);
    meta.heldSince = text('heldSince');
    meta.heldRun = json<SyncLastRun>(fields.get('heldRun'));
    meta.seq = Number(fields.get('seq') ?? 0);
    return meta;
  }
}
