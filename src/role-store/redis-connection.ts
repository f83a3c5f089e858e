import Redis, { Cluster } from 'ioredis';
import { createRedisClient } from './redis-client.factory';
import { defineScriptedCommands, ScriptedRedis } from './redis-commands';
import { RedisKeySpace } from './redis-keys';
import { StoreHealth } from './store-health';

export interface RedisConnectionOptions {
  /** A standalone Redis's URL, when no `client` is given. */
  url?: string;
  /** An already-built client of any topology (createRedisClient), with `keyPrefix` set on it. */
  client?: Redis | Cluster;
  keyPrefix: string;
  /** How long one command may wait before it fails (so a dead Redis fails fast). */
  commandTimeoutMs?: number;
}

/**
 * The one Redis connection every Redis store shares (role data, leases, rate windows, the mapping
 * mirror), with every script registered and the key space (every key name, under `keyPrefix`).
 * Commands fail fast while Redis is unreachable (no offline queue), and the client keeps
 * reconnecting in the background. Readiness pings it (StoreHealth). RoleStoreModule also provides it
 * on its own token, for stores kept beside the role data (the mapping mirror); null in-process.
 */
export class RedisConnection extends StoreHealth {
  readonly kind = 'redis' as const;
  readonly redis: ScriptedRedis;
  readonly keys: RedisKeySpace;

  constructor(options: RedisConnectionOptions) {
    super();
    this.keys = new RedisKeySpace(options.keyPrefix);
    const client =
      options.client ??
      createRedisClient({ topology: { kind: 'standalone', url: options.url as string }, keyPrefix: options.keyPrefix }, options);
    this.redis = defineScriptedCommands(client as Redis);
    this.redis.on('error', () => {
      /* surfaced through ping() and failed commands; ioredis keeps reconnecting */
    });
  }

  /** Connects; a Redis that is down at start-up is not fatal (readiness reports it). */
  async connect(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect().catch(() => undefined);
  }

  async ping(): Promise<void> {
    if (this.redis.status === 'wait') await this.connect();
    await this.redis.ping();
  }

  /** Sends QUIT and waits for the connection to end (forcing it after a second). */
  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    const ended = new Promise<void>((resolve) => this.redis.once('end', () => resolve()));
    const force = setTimeout(() => this.redis.disconnect(), 1000);
    await this.redis.quit().catch(() => this.redis.disconnect());
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1500).unref())]);
    clearTimeout(force);
  }
}
