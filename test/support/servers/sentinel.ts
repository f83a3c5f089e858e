import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findExecutable, freePort, ManagedProcess, tempDir, Teardown, waitForPort, waitUntil } from './processes';
import { redisCommand, startRedis, TestRedis } from './redis';

export interface StartSentinelOptions {
  /** The monitored primary's name. Default 'esr-primary'. */
  name?: string;
  /** Password of the primary and replica (requirepass + masterauth; sentinel auth-pass). */
  password?: string;
  /** Password of the sentinels themselves (their requirepass). */
  sentinelPassword?: string;
}

export interface HostPort {
  host: '127.0.0.1';
  port: number;
}

export interface TestSentinel {
  name: string;
  password?: string;
  sentinelPassword?: string;
  /** The data nodes as started: [0] the first primary, [1] its replica. */
  nodes: TestRedis[];
  /** The three sentinels, for ioredis's `sentinels` option. */
  sentinels: HostPort[];
  /** Where the sentinels say the primary is now. */
  currentPrimary(): Promise<HostPort>;
  /** SIGKILLs the current primary; resolves with the address it had. */
  killPrimary(): Promise<HostPort>;
  /** Waits until the sentinels name a primary other than `old` and it answers as a primary. */
  waitForNewPrimary(old: HostPort, timeoutMs?: number): Promise<HostPort>;
  /** Stops every process and removes the dirs (idempotent). */
  stop(): Promise<void>;
}

/** `redis-sentinel CONF`, or `redis-server CONF --sentinel` where the redis-sentinel package is absent. */
function sentinelCommand(conf: string): [string, string[]] {
  const sentinel = findExecutable('redis-sentinel');
  return sentinel ? [sentinel, [conf]] : ['redis-server', [conf, '--sentinel']];
}

async function startOneSentinel(teardown: Teardown, name: string, primaryPort: number, options: StartSentinelOptions): Promise<HostPort> {
  const [port, dir] = await Promise.all([freePort(), tempDir('sentinel')]);
  teardown.removeDirLater(dir);
  const conf = path.join(dir, 'sentinel.conf');
  const lines = [
    `port ${port}`,
    'bind 127.0.0.1',
    'protected-mode no',
    `dir ${dir}`,
    `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
    `sentinel down-after-milliseconds ${name} 1000`,
    `sentinel failover-timeout ${name} 5000`,
    `sentinel parallel-syncs ${name} 1`,
    ...(options.password ? [`sentinel auth-pass ${name} ${options.password}`] : []),
    ...(options.sentinelPassword ? [`requirepass ${options.sentinelPassword}`] : []),
  ];
  await writeFile(conf, `${lines.join('\n')}\n`);
  const [command, args] = sentinelCommand(conf);
  const server = ManagedProcess.launch(`sentinel:${port}`, command, args, path.join(dir, 'sentinel.log'), dir);
  teardown.add(() => server.kill());
  await waitForPort(server, port);
  return { host: '127.0.0.1', port };
}

/**
 * A Sentinel-managed pair on free ports: a primary, a replica and three sentinels (quorum 2, down
 * after 1 s, failover timeout 5 s: a new primary in about 2-3 s after a kill). Resolves once the
 * replica is in sync and every sentinel knows the replica and the two other sentinels.
 */
export async function startSentinel(options: StartSentinelOptions = {}): Promise<TestSentinel> {
  const teardown = new Teardown();
  return teardown.guard(async () => {
    const name = options.name ?? 'esr-primary';
    const primary = await startRedis({ name: 'sentinel-primary', password: options.password });
    teardown.add(() => primary.stop());
    const replica = await startRedis({ name: 'sentinel-replica', password: options.password, replicaOf: primary.port });
    teardown.add(() => replica.stop());
    const nodes = [primary, replica];
    const dataAuth = { password: options.password };
    const sentinelAuth = { password: options.sentinelPassword };
    await waitUntil('the replica to sync', async () => {
      const info = String(await redisCommand(replica.port, ['INFO', 'replication'], dataAuth));
      return info.includes('master_link_status:up');
    });
    const sentinels = await Promise.all([0, 1, 2].map(() => startOneSentinel(teardown, name, primary.port, options)));
    await waitUntil(
      'the sentinels to discover the replica and each other',
      async () => {
        for (const sentinel of sentinels) {
          const replicas = (await redisCommand(sentinel.port, ['SENTINEL', 'REPLICAS', name], sentinelAuth)) as unknown[];
          const peers = (await redisCommand(sentinel.port, ['SENTINEL', 'SENTINELS', name], sentinelAuth)) as unknown[];
          if (replicas.length < 1 || peers.length < 2) return false;
        }
        return true;
      },
      20_000,
    );

    const currentPrimary = async (): Promise<HostPort> => {
      let lastError: unknown;
      for (const sentinel of sentinels) {
        try {
          const [, port] = (await redisCommand(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name], sentinelAuth)) as string[];
          return { host: '127.0.0.1', port: Number(port) };
        } catch (error) {
          lastError = error;
        }
      }
      throw lastError;
    };
    const nodeAt = (port: number): TestRedis => {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no data node of this Sentinel set on port ${port}`);
      return node;
    };
    return {
      name,
      password: options.password,
      sentinelPassword: options.sentinelPassword,
      nodes,
      sentinels,
      currentPrimary,
      killPrimary: async () => {
        const old = await currentPrimary();
        await nodeAt(old.port).kill();
        return old;
      },
      waitForNewPrimary: async (old, timeoutMs = 20_000) => {
        let found: HostPort | undefined;
        await waitUntil(
          'the sentinels to promote a new primary',
          async () => {
            const now = await currentPrimary();
            if (now.port === old.port) return false;
            const role = (await redisCommand(now.port, ['ROLE'], dataAuth)) as unknown[];
            if (role[0] !== 'master') return false;
            found = now;
            return true;
          },
          timeoutMs,
        );
        return found as HostPort;
      },
      stop: teardown.stop,
    };
  });
}
