import type { AccessSnapshot, CachedRole, RecordKey } from './role.types';
import type { VpdSyncRecord } from './sync-records.types';

/**
 * Reading the role data: what access resolution, the sync's status and its runs read. Every read
 * is consistent (never half of an in-progress generation switch). Implemented for Redis
 * (RedisRoleReads) and in-process (MemoryRoleReads); test/role-store holds the contract both meet.
 */
export abstract class RoleReads {
  /** Role data and VPD freshness for these ESR records, read in ONE round trip. */
  abstract readAccess(keys: RecordKey[]): Promise<AccessSnapshot>;

  /** Sync state and counts (at `atMs`) of these VPDs, in one round trip; absent VPDs get an empty state. */
  abstract readVpdSync(vpds: string[], atMs: number): Promise<Map<string, VpdSyncRecord>>;

  /** Every VPD the sync has touched. */
  abstract knownSyncVpds(): Promise<string[]>;

  /** The live rows of these assignments of a VPD (absent when not cached). */
  abstract lookupRoles(vpd: string, assignmentIds: string[]): Promise<Map<string, CachedRole>>;
}
