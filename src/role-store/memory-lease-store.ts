import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { FenceToken, Lease, LeaseStore, StaleFenceError } from './lease-store';
import { Expiring, liveEntry } from './memory-expiring';

/** In-process leases (embedded default: one instance); the in-process role stores check fences against it. */
export class MemoryLeaseStore extends LeaseStore {
  private readonly leases = new Map<string, Expiring<{ holder: string; token: string }>>();
  private readonly fences = new Map<string, number>();

  constructor(private readonly clock: Clock = new Clock()) {
    super();
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    const now = this.clock.nowMs();
    if (liveEntry(this.leases, name, now)) return null;
    const token = randomUUID();
    this.leases.set(name, { value: { holder, token }, expiresAt: now + ttlMs });
    const fence = (this.fences.get(name) ?? 0) + 1;
    this.fences.set(name, fence);
    return { name, token, fence };
  }

  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    const now = this.clock.nowMs();
    const held = liveEntry(this.leases, lease.name, now);
    if (!held || held.value.token !== lease.token) return false;
    held.expiresAt = now + ttlMs;
    return true;
  }

  async release(lease: Lease): Promise<void> {
    const held = liveEntry(this.leases, lease.name, this.clock.nowMs());
    if (held?.value.token === lease.token) this.leases.delete(lease.name);
  }

  async holder(name: string): Promise<string | null> {
    return liveEntry(this.leases, name, this.clock.nowMs())?.value.holder ?? null;
  }

  /** Whether `fence` is the latest token issued for its lease. */
  isCurrent(fence: FenceToken): boolean {
    return (this.fences.get(fence.name) ?? 0) === fence.fence;
  }

  /** Throws StaleFenceError unless `fence` is the latest token issued for its lease. */
  check(fence: FenceToken): void {
    if (!this.isCurrent(fence)) throw new StaleFenceError(fence.name, fence.fence);
  }
}
