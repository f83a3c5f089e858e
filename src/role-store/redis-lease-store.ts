import { randomUUID } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import { Lease, LeaseStore } from './lease-store';
import type { RedisConnection } from './redis-connection';

/** Fewer replicas than REDIS_LEASE_REPLICAS acknowledged a lease write in time: the lease does not count. */
export class LeaseNotReplicatedError extends Error {
  constructor(
    readonly lease: string,
    readonly acknowledged: number,
    readonly required: number,
  ) {
    super(`The ${lease} lease write reached ${acknowledged} of ${required} Redis replica(s) in time (REDIS_LEASE_REPLICAS); not taken.`);
    this.name = 'LeaseNotReplicatedError';
  }
}

export interface RedisLeaseOptions {
  /**
   * Replicas that must acknowledge (WAIT) the lease and its fencing token before the lease counts
   * (REDIS_LEASE_REPLICAS). 0: no WAIT (a standalone Redis). With 1 under Sentinel, a replica promoted
   * after a failover has every lease and fencing token a holder was told it got, so a new holder's
   * token is always newer and the old holder's writes are refused.
   */
  replicas?: number;
}

/** The scripted lease commands as queued on a pipeline (defineScriptedCommands registers them there too). */
type LeasePipeline = ChainableCommander & {
  acquireLease(lease: string, fence: string, value: string, ttl: number): ChainableCommander;
  renewLease(lease: string, token: string, ttl: number): ChainableCommander;
};

/** How long WAIT may wait for the replicas: a quarter of the lease, between 50 ms and 1 s. */
export const replicaWaitMs = (ttlMs: number): number => Math.max(50, Math.min(1000, Math.floor(ttlMs / 4)));

/**
 * Leases in Redis (scripts: redis-lease.scripts.ts): the lease key holds "<token> <holder>" with a
 * TTL; the fence key counts the fencing tokens issued (never expires, so tokens only grow). With
 * `replicas` > 0 every acquire and renew is followed by WAIT on the same connection (one round trip, a
 * pipeline): a lease counts only once that many replicas hold it and its fencing token.
 */
export class RedisLeaseStore extends LeaseStore {
  private readonly replicas: number;

  constructor(
    private readonly connection: RedisConnection,
    options: RedisLeaseOptions = {},
  ) {
    super();
    this.replicas = options.replicas ?? 0;
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    const { redis, keys } = this.connection;
    const token = randomUUID();
    const args = [keys.lease(name), keys.leaseFence(name), `${token} ${holder}`, ttlMs] as const;
    if (this.replicas === 0) {
      const fence = await redis.acquireLease(...args);
      return fence > 0 ? { name, token, fence } : null;
    }
    const [fence, acknowledged] = await this.replicated(ttlMs, (pipeline) => pipeline.acquireLease(...args));
    if (fence === 0) return null;
    const lease = { name, token, fence };
    if (acknowledged < this.replicas) {
      await this.release(lease).catch(() => undefined);
      throw new LeaseNotReplicatedError(name, acknowledged, this.replicas);
    }
    return lease;
  }

  /** False when the lease was lost; throws LeaseNotReplicatedError when renewed but not acknowledged in time. */
  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    const { redis, keys } = this.connection;
    if (this.replicas === 0) return (await redis.renewLease(keys.lease(lease.name), `${lease.token} `, ttlMs)) === 1;
    const [renewed, acknowledged] = await this.replicated(ttlMs, (pipeline) =>
      pipeline.renewLease(keys.lease(lease.name), `${lease.token} `, ttlMs),
    );
    if (renewed !== 1) return false;
    if (acknowledged < this.replicas) throw new LeaseNotReplicatedError(lease.name, acknowledged, this.replicas);
    return true;
  }

  async release(lease: Lease): Promise<void> {
    const { redis, keys } = this.connection;
    await redis.releaseLease(keys.lease(lease.name), `${lease.token} `);
  }

  async holder(name: string): Promise<string | null> {
    const { redis, keys } = this.connection;
    const value = await redis.get(keys.lease(name));
    return value ? value.slice(value.indexOf(' ') + 1) : null;
  }

  /** Sends a lease script then WAIT in one pipeline (one node, also on a Cluster); its reply and the replicas that acknowledged. */
  private async replicated(ttlMs: number, queue: (pipeline: LeasePipeline) => void): Promise<[number, number]> {
    const pipeline = this.connection.redis.pipeline() as LeasePipeline;
    queue(pipeline);
    pipeline.wait(this.replicas, replicaWaitMs(ttlMs));
    const [[scriptError, reply], [waitError, acknowledged]] = (await pipeline.exec()) as Array<[Error | null, unknown]>;
    if (scriptError) throw scriptError;
    if (waitError) throw waitError;
    return [Number(reply), Number(acknowledged)];
  }
}
