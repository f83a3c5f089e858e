import { DomainError } from '../common/errors/domain-error';

/** A held lease: who holds it, the random token that proves it, and its fencing token. */
export interface Lease {
  name: string;
  token: string;
  /** Strictly increasing per lease name: every write made under the lease carries it. */
  fence: number;
}

/** A fencing token: the lease name and the token a write was made under. */
export type FenceToken = Pick<Lease, 'name' | 'fence'>;

/**
 * A write carried a fencing token older than the latest one issued: another holder took the lease
 * since (this writer paused or lost it), so the write was refused and nothing changed.
 */
export class StaleFenceError extends DomainError {
  constructor(
    readonly lease: string,
    readonly fence: number,
  ) {
    super('CONFLICT', `A newer holder of the ${lease} lease exists; this write (fencing token ${fence}) was refused.`);
    this.name = 'StaleFenceError';
  }
}

/**
 * Named leases with fencing tokens, shared by every replica (one holder at a time). The role data
 * refuses writes whose fencing token is older than the latest one issued here. Two implementations:
 * Redis and in-process; one contract suite (test/role-store) runs against both.
 */
export abstract class LeaseStore {
  /**
   * Takes the lease `name` for `ttlMs` if nobody holds it (SET NX PX semantics) and returns it with
   * a new fencing token; null when another holder has it.
   */
  abstract acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null>;

  /** Extends the lease if still held with this token; false when it was lost. */
  abstract renew(lease: Lease, ttlMs: number): Promise<boolean>;

  /** Releases the lease only if still held with this token (compare-and-delete). */
  abstract release(lease: Lease): Promise<void>;

  /** The holder id of the lease, or null when free. */
  abstract holder(name: string): Promise<string | null>;
}
