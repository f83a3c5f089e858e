import Redis, { Cluster, RedisOptions } from 'ioredis';
import { defineScriptedCommands, RedisClient, ScriptedRedis } from './redis-commands';
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
 * The options every client of the gateway's stores uses (for one server, or as a Cluster's
 * `redisOptions`): connect on demand, fail fast while Redis is away (no offline queue, one retry),
 * keep reconnecting in the background. No `keyPrefix`: RedisKeySpace names every key in full.
 */
export function redisClientOptions(commandTimeoutMs = 2000): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 2000),
  };
}

/** Whether a client would add a prefix of its own to the full key names the stores send. */
function addsKeyPrefix(client: RedisClient): boolean {
  if (client instanceof Cluster) return Boolean(client.options.keyPrefix || client.options.redisOptions?.keyPrefix);
  return Boolean(client.options.keyPrefix);
}

/** A page of a SCAN over every primary of a Cluster: the cursor is `<primary index>:<that primary's cursor>`. */
async function scanCluster(cluster: Cluster, cursor: string, pattern: string, count: number): Promise<{ cursor: string; keys: string[] }> {
  const primaries = cluster.nodes('master').sort((a, b) => address(a).localeCompare(address(b)));
  const [index, nodeCursor] = cursor === '0' ? [0, '0'] : [Number(cursor.split(':')[0]), cursor.split(':')[1] ?? '0'];
  const node = primaries[index];
  if (!node) return { cursor: '0', keys: [] };
  const [next, keys] = await node.scan(nodeCursor, 'MATCH', pattern, 'COUNT', count);
  if (next !== '0') return { cursor: `${index}:${next}`, keys };
  return { cursor: index + 1 < primaries.length ? `${index + 1}:0` : '0', keys };
}

const address = (node: Redis): string => `${node.options.host ?? ''}:${node.options.port ?? ''}`;

/**
 * The one Redis connection every Redis store shares (role data, leases, rate windows, the mapping
 * mirror): an ioredis client built elsewhere (one server, Sentinel or Cluster; see
 * redisClientOptions), with every script registered, and the key space (every key name, in full,
 * under one hash tag). Commands fail fast while Redis is unreachable, and the client keeps
 * reconnecting in the background. Readiness pings it (StoreHealth). RoleStoreModule also provides it
 * on its own token, for stores kept beside the role data (the mapping mirror); null in-process.
 */
export class RedisConnection extends StoreHealth {
  readonly kind = 'redis' as const;
  readonly redis: ScriptedRedis;

  /**
   * @param client a `Redis` or `Cluster` built without `keyPrefix` (the connection owns it: quit on close)
   * @param keys the gateway's key space (new RedisKeySpace(REDIS_KEY_PREFIX))
   */
  constructor(
    client: RedisClient,
    readonly keys: RedisKeySpace,
  ) {
    super();
    if (addsKeyPrefix(client)) throw new Error('The Redis client must not set keyPrefix: RedisKeySpace names every key in full.');
    this.redis = defineScriptedCommands(client);
    this.redis.on('error', () => {
      /* surfaced through ping() and failed commands; ioredis keeps reconnecting */
    });
  }

  /** A connection on `client`, or to the one Redis server at `url` (REDIS_URL). */
  static fromOptions(options: RedisConnectionOptions): RedisConnection {
    const client = options.client ?? new Redis(options.url as string, redisClientOptions(options.commandTimeoutMs));
    return new RedisConnection(client, new RedisKeySpace(options.keyPrefix));
  }

  /** Connects; a Redis that is down at start-up is not fatal (readiness reports it). */
  async connect(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect().catch(() => undefined);
  }

  async ping(): Promise<void> {
    if (this.redis.status === 'wait') await this.connect();
    await this.redis.ping();
  }

  /** One page of a SCAN for `pattern` (on a Cluster, over every primary in turn); cursor '0' starts and ends. */
  async scanKeys(cursor: string, pattern: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    if (this.redis instanceof Cluster) return scanCluster(this.redis, cursor, pattern, count);
    const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    return { cursor: next, keys };
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
