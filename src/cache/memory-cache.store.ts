import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { CacheStore, Lease, RateWindow } from './cache.store';

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/** In-process cache for the embedded default (one instance, nothing shared). */
export class MemoryCacheStore extends CacheStore {
  readonly kind = 'memory' as const;
  private readonly counters = new Map<string, Expiring<number>>();
  private readonly leases = new Map<string, Expiring<{ holder: string; token: string }>>();
  private readonly fences = new Map<string, number>();
  private closed = false;

  constructor(private readonly clock: Clock = new Clock()) {
    super();
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('cache is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async hit(key: string, windowMs: number): Promise<RateWindow> {
    const now = this.clock.nowMs();
    const current = this.live(this.counters, key, now);
    const entry = current ?? { value: 0, expiresAt: now + windowMs };
    entry.value += 1;
    this.counters.set(key, entry);
    if (this.counters.size > 10_000) this.sweep(now);
    return { count: entry.value, resetMs: entry.expiresAt - now };
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    const now = this.clock.nowMs();
    if (this.live(this.leases, name, now)) return null;
    const token = randomUUID();
    this.leases.set(name, { value: { holder, token }, expiresAt: now + ttlMs });
    const fence = (this.fences.get(name) ?? 0) + 1;
    this.fences.set(name, fence);
    return { name, token, fence };
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<boolean> {
    const now = this.clock.nowMs();
    const held = this.live(this.leases, lease.name, now);
    if (!held || held.value.token !== lease.token) return false;
    held.expiresAt = now + ttlMs;
    return true;
  }

  async releaseLease(lease: Lease): Promise<void> {
    const held = this.live(this.leases, lease.name, this.clock.nowMs());
    if (held?.value.token === lease.token) this.leases.delete(lease.name);
  }

  async leaseHolder(name: string): Promise<string | null> {
    return this.live(this.leases, name, this.clock.nowMs())?.value.holder ?? null;
  }

  async currentFence(name: string): Promise<number> {
    return this.fences.get(name) ?? 0;
  }

  private live<T>(map: Map<string, Expiring<T>>, key: string, now: number): Expiring<T> | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= now) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.counters) if (entry.expiresAt <= now) this.counters.delete(key);
  }
}
