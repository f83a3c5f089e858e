import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import type { RedisSettings, RedisTls } from '../config/settings/redis.settings';

/** What the client is built from: the topology, its passwords and TLS (RedisSettings). */
export type RedisClientSettings = Pick<RedisSettings, 'topology'> &
  Partial<Pick<RedisSettings, 'username' | 'password' | 'sentinelPassword' | 'tls'>>;

export interface RedisClientOptions {
  /** How long one command may wait before it fails (so a dead Redis fails fast). Default 2 s. */
  commandTimeoutMs?: number;
}

/** Reconnect back-off: 200 ms doubling to 2 s, for ever (readiness reports a Redis that is away). */
const reconnectDelay = (times: number): number => Math.min(100 * 2 ** Math.min(times, 6), 2000);

function tlsOptions(tls: RedisTls | undefined): ConnectionOptions | undefined {
  if (!tls) return undefined;
  return { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.servername };
}

/** Options every node connection shares: no offline queue, lazy connect, short timeouts, the ACL user and TLS. */
function nodeOptions(settings: RedisClientSettings, options: RedisClientOptions): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: 2000,
    ...(settings.username !== undefined ? { username: settings.username } : {}),
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    ...(settings.tls ? { tls: tlsOptions(settings.tls) } : {}),
  };
}

/**
 * The ioredis client of the configured topology: `Redis` for a standalone server (REDIS_URL) or a
 * Sentinel-managed primary (the sentinels are asked where it is, again after a failover), `Cluster` for
 * a Redis Cluster. No `keyPrefix`: RedisKeySpace names every key in full (under the gateway's hash tag). Commands fail fast while Redis is unreachable (no offline
 * queue) and the client keeps reconnecting; nothing connects until `connect()` (redis-startup-check.ts).
 * Addresses are used as the servers announce them (no NAT map).
 */
export function createRedisClient(settings: RedisClientSettings, options: RedisClientOptions = {}): Redis | Cluster {
  const topology = settings.topology;
  if (!topology) throw new Error('createRedisClient needs a Redis topology (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES)');
  const node = nodeOptions(settings, options);
  switch (topology.kind) {
    case 'standalone':
      return new Redis(topology.url, { ...node, retryStrategy: reconnectDelay });
    case 'sentinel':
      return new Redis({
        ...node,
        retryStrategy: reconnectDelay,
        sentinels: topology.sentinels,
        name: topology.name,
        ...(settings.sentinelPassword !== undefined ? { sentinelPassword: settings.sentinelPassword } : {}),
        ...(settings.tls ? { sentinelTLS: tlsOptions(settings.tls), enableTLSForSentinelMode: true } : {}),
        sentinelRetryStrategy: reconnectDelay,
      });
    case 'cluster': {
      const { lazyConnect, enableOfflineQueue, ...redisOptions } = node;
      const clusterOptions: ClusterOptions = {
        lazyConnect,
        enableOfflineQueue,
        scaleReads: 'master',
        slotsRefreshTimeout: 2000,
        clusterRetryStrategy: reconnectDelay,
        redisOptions,
        // With TLS the certificate names the host as configured: do not resolve it to an address first.
        ...(settings.tls
          ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) }
          : {}),
      };
      return new Cluster(topology.nodes, clusterOptions);
    }
  }
}
