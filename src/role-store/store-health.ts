/**
 * Whether the stores answer, for readiness: with Redis (RedisConnection) a PING on the one
 * connection every Redis store shares; in-process (MemoryStoreHealth) whether the stores are open.
 */
export abstract class StoreHealth {
  /** 'redis': shared by every replica, so readiness checks it; 'memory': in this process. */
  abstract readonly kind: 'redis' | 'memory';

  /** Resolves when the stores answer; rejects otherwise. */
  abstract ping(): Promise<void>;
}

/** The in-process stores' health: they answer until closed. */
export class MemoryStoreHealth extends StoreHealth {
  readonly kind = 'memory' as const;
  private closed = false;

  async ping(): Promise<void> {
    if (this.closed) throw new Error('role store is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
