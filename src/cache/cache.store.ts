import type { AccessSnapshot, RecordKey } from './role-cache.types';

/** A held lease: who holds it, the random token that proves it, and its fencing token. */
export interface Lease {
  name: string;
  token: string;
  /** Strictly increasing per lease name: every write made under the lease carries it. */
  fence: number;
}

export interface RateWindow {
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/**
 * The gateway's cache. Two implementations: Redis (production, shared by replicas) and an
 * in-process one (embedded default, single instance). Every cache access goes through here;
 * one contract test suite (cache.store.contract.ts) runs against both.
 */
export abstract class CacheStore {
  abstract readonly kind: 'redis' | 'memory';

  /** Resolves when the cache answers; rejects otherwise (readiness). */
  abstract ping(): Promise<void>;

  abstract close(): Promise<void>;

  /** Fixed-window counter: counts a hit on `key` and reports the count in the current window. */
  abstract hit(key: string, windowMs: number): Promise<RateWindow>;

  /**
   * Takes the lease `name` for `ttlMs` if nobody holds it (SET NX PX semantics) and returns it with
   * a new fencing token; null when another holder has it.
   */
  abstract acquireLease(name: string, holder: string, ttlMs: number): Promise<Lease | null>;

  /** Extends the lease if still held with this token; false when it was lost. */
  abstract renewLease(lease: Lease, ttlMs: number): Promise<boolean>;

  /** Releases the lease only if still held with this token (compare-and-delete). */
  abstract releaseLease(lease: Lease): Promise<void>;

  /** The holder id of the lease, or null when free. */
  abstract leaseHolder(name: string): Promise<string | null>;

  /** The latest fencing token issued for `name` (0 if none); writes with an older one are refused. */
  abstract currentFence(name: string): Promise<number>;

  /**
   * Role data and VPD freshness for these ESR records, read in ONE round trip and consistently
   * (never half of an in-progress generation switch). Implemented by the role sync (issue 4).
   */
  abstract readAccess(keys: RecordKey[]): Promise<AccessSnapshot>;
}
