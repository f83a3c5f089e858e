import { freePort, run, Teardown, waitUntil } from './processes';
import { redisCommand, startRedis, TestRedis } from './redis';
import type { HostPort } from './sentinel';

export interface StartClusterOptions {
  /** Primaries (at least 3). Default 3. */
  primaries?: number;
  /** Replicas per primary. Default 0. */
  replicasPerPrimary?: number;
  /** `cluster-node-timeout` in ms (how fast a failed primary is replaced). Default 3000. */
  nodeTimeoutMs?: number;
}

export interface TestCluster {
  /** Every node, primaries and replicas, as started (roles are assigned by `redis-cli --cluster create`). */
  nodes: TestRedis[];
  /** Their addresses, for `new Redis.Cluster(startupNodes)`. */
  startupNodes: HostPort[];
  /** Stops every node and removes the dirs (idempotent). */
  stop(): Promise<void>;
}

/**
 * A Redis Cluster on free ports: `primaries` x (1 + `replicasPerPrimary`) nodes joined with
 * `redis-cli --cluster create`; resolves once every node reports cluster_state:ok and knows all the others,
 * and every replica is in sync with its primary.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 0;
  if (primaries < 3) throw new RangeError('a Redis Cluster needs at least 3 primaries');
  const teardown = new Teardown();
  return teardown.guard(async () => {
    const count = primaries * (1 + replicas);
    const nodes = await Promise.all(
      Array.from({ length: count }, async () => {
        const bus = await freePort();
        const node = await startRedis({
          name: 'cluster-node',
          args: [
            ...['--cluster-enabled', 'yes', '--cluster-port', String(bus)],
            ...['--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 3000)],
            // Replicas report a growing offset at once, so they are listed in CLUSTER SLOTS within a second or two.
            ...['--repl-ping-replica-period', '1'],
          ],
        });
        teardown.add(() => node.stop());
        return node;
      }),
    );
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await waitUntil(
      'cluster_state:ok on every node',
      async () => {
        for (const node of nodes) {
          const info = String(await redisCommand(node.port, ['CLUSTER', 'INFO']));
          if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${count}\r`)) return false;
        }
        return true;
      },
      30_000,
    );
    if (replicas > 0) {
      await waitUntil(
        'every replica to be in sync with its primary',
        async () => {
          for (const node of nodes) {
            const info = String(await redisCommand(node.port, ['INFO', 'replication']));
            const ready = info.includes('role:master')
              ? info.includes(`connected_slaves:${replicas}\r`)
              : info.includes('master_link_status:up');
            if (!ready) return false;
            // ...and that every node lists them in CLUSTER SLOTS (where clients such as ioredis find them):
            // Redis lists a replica there only once its replication offset, spread by gossip, is above 0.
            const slots = (await redisCommand(node.port, ['CLUSTER', 'SLOTS'])) as unknown[][];
            if (slots.some((range) => range.length !== 3 + replicas)) return false;
          }
          return true;
        },
        30_000,
      );
    }
    return {
      nodes,
      startupNodes: nodes.map((n) => ({ host: '127.0.0.1' as const, port: n.port })),
      stop: teardown.stop,
    };
  });
}
