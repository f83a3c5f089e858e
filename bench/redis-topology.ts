/**
 * The Redis a benchmark's gateway runs against, chosen by BENCH_REDIS (issue 19 asks for the access
 * and search figures with TLS on and on a Cluster, beside plain standalone):
 *   standalone  (default) the shared Redis at BENCH_REDIS_URL, plain TCP: REDIS_URL;
 *   tls         a private TLS-only redis-server, its certificate signed by a CA openssl makes for this
 *               run: REDIS_URL=rediss://... and REDIS_TLS_CA_FILE;
 *   cluster     a private Redis Cluster of 3 primaries: REDIS_CLUSTER_NODES.
 * The private servers come from test/support/servers (free 127.0.0.1 ports, own temp dirs) and stop()
 * removes them. Helper processes (the Fastify + GET baseline) reach the same Redis through helperEnv
 * and connectBenchRedis.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import Redis, { Cluster } from 'ioredis';
import { makeTestCertificates, startCluster, startRedis } from '../test/support/servers';
import { taggedPrefix } from '../src/role-store/redis-keys';

export const BENCH_REDIS_TOPOLOGIES = ['standalone', 'tls', 'cluster'] as const;
export type BenchRedisTopology = (typeof BENCH_REDIS_TOPOLOGIES)[number];

const SHARED_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchRedis {
  topology: BenchRedisTopology;
  /** The gateway's variables for this Redis (REDIS_KEY_PREFIX stays the caller's). */
  gatewayEnv: Record<string, string>;
  /** The same Redis for a bench helper process: BENCH_REDIS_URL, BENCH_REDIS_TLS_CA_FILE or BENCH_REDIS_CLUSTER_NODES. */
  helperEnv: Record<string, string>;
  /** Deletes every key under `prefix` (on every primary of a Cluster). */
  unlinkPrefix(prefix: string): Promise<void>;
  /** Stops a private server and removes its files; nothing for the shared one. */
  stop(): Promise<void>;
}

/** BENCH_REDIS, checked: one of BENCH_REDIS_TOPOLOGIES (default standalone). */
export function benchRedisTopology(value = process.env.BENCH_REDIS ?? 'standalone'): BenchRedisTopology {
  if (!(BENCH_REDIS_TOPOLOGIES as readonly string[]).includes(value))
    throw new Error(`BENCH_REDIS must be one of ${BENCH_REDIS_TOPOLOGIES.join(', ')}, not "${value}"`);
  return value as BenchRedisTopology;
}

/** A client for the Redis that `env` (a BenchRedis's helperEnv, as a helper process sees it) names. */
export function connectBenchRedis(env: NodeJS.ProcessEnv = process.env, keyPrefix?: string): Redis | Cluster {
  const nodes = env.BENCH_REDIS_CLUSTER_NODES;
  if (nodes) {
    const startupNodes = nodes.split(',').map((node) => {
      const [host, port] = node.split(':');
      return { host, port: Number(port) };
    });
    return new Redis.Cluster(startupNodes, keyPrefix ? { keyPrefix } : {});
  }
  const ca = env.BENCH_REDIS_TLS_CA_FILE;
  return new Redis(env.BENCH_REDIS_URL ?? SHARED_REDIS_URL, {
    ...(keyPrefix ? { keyPrefix } : {}),
    ...(ca ? { tls: { ca: readFileSync(ca, 'utf8') } } : {}),
  });
}

/** SCAN + UNLINK of one prefix (as the gateway tags it) on one node (one key per UNLINK: a Cluster refuses keys of several slots). */
async function unlinkOnNode(node: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', `${taggedPrefix(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) {
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.unlink(key);
      await pipeline.exec();
    }
  } while (cursor !== '0');
}

async function unlinkPrefixOf(helperEnv: Record<string, string>, prefix: string): Promise<void> {
  const client = connectBenchRedis(helperEnv);
  try {
    // A Cluster client knows its nodes once it has read the slots.
    if (client instanceof Cluster && client.status !== 'ready') await once(client, 'ready');
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    for (const node of nodes) await unlinkOnNode(node, prefix);
  } finally {
    client.disconnect();
  }
}

function benchRedis(
  topology: BenchRedisTopology,
  gatewayEnv: Record<string, string>,
  helperEnv: Record<string, string>,
  stop: () => Promise<void>,
): BenchRedis {
  return { topology, gatewayEnv, helperEnv, unlinkPrefix: (prefix) => unlinkPrefixOf(helperEnv, prefix), stop };
}

/** The shared standalone Redis (BENCH_REDIS_URL), as the benchmarks have always used it. */
export function sharedRedis(): BenchRedis {
  return benchRedis('standalone', { REDIS_URL: SHARED_REDIS_URL }, { BENCH_REDIS_URL: SHARED_REDIS_URL }, async () => undefined);
}

/** The Redis BENCH_REDIS names: the shared one, or a private TLS server or Cluster started now. */
export async function startBenchRedis(topology: BenchRedisTopology = benchRedisTopology()): Promise<BenchRedis> {
  if (topology === 'standalone') return sharedRedis();
  if (topology === 'tls') {
    const certificates = await makeTestCertificates();
    try {
      const server = await startRedis({ tls: { certificates }, name: 'bench-redis-tls' });
      const caFile = certificates.ca.certFile;
      return benchRedis(
        'tls',
        { REDIS_URL: server.url, REDIS_TLS_CA_FILE: caFile },
        { BENCH_REDIS_URL: server.url, BENCH_REDIS_TLS_CA_FILE: caFile },
        async () => {
          await server.stop();
          await certificates.stop();
        },
      );
    } catch (error) {
      await certificates.stop();
      throw error;
    }
  }
  const cluster = await startCluster({ primaries: 3 });
  const nodes = cluster.startupNodes.map((node) => `${node.host}:${node.port}`).join(',');
  return benchRedis('cluster', { REDIS_CLUSTER_NODES: nodes }, { BENCH_REDIS_CLUSTER_NODES: nodes }, () => cluster.stop());
}
