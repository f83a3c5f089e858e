import path from 'node:path';
import Redis, { RedisOptions } from 'ioredis';
import type { TestCertificates } from './certificates';
import { freePort, ManagedProcess, tempDir, Teardown, waitForPort } from './processes';

export interface RedisTlsOptions {
  certificates: TestCertificates;
  /** Refuse clients without a certificate signed by the CA. Default false. */
  requireClientCert?: boolean;
}

export interface StartRedisOptions {
  /** `requirepass` (and `masterauth`, so it can replicate from a primary with the same password). */
  password?: string;
  /** TLS only: no plaintext port. */
  tls?: RedisTlsOptions;
  /** `replicaof 127.0.0.1 <port>`. */
  replicaOf?: number;
  /** Extra redis-server arguments, e.g. ['--cluster-enabled', 'yes']. */
  args?: string[];
  /** Name in logs and errors. Default 'redis'. */
  name?: string;
}

export interface TestRedis {
  host: '127.0.0.1';
  port: number;
  /** redis:// or rediss:// URL (with the password, if any). */
  url: string;
  password?: string;
  /** The server's pid (while running). */
  readonly pid: number;
  readonly dir: string;
  /** SIGKILLs the server (leaves its dir), e.g. to fail a primary over; stop() still cleans up. */
  kill(): Promise<void>;
  /** Kills the server if running and removes its dir (idempotent). */
  stop(): Promise<void>;
}

function tlsArgs(port: number, tls: RedisTlsOptions): string[] {
  const { certificates } = tls;
  return [
    '--port',
    '0',
    '--tls-port',
    String(port),
    '--tls-cert-file',
    certificates.server.certFile,
    '--tls-key-file',
    certificates.server.keyFile,
    '--tls-ca-cert-file',
    certificates.ca.certFile,
    '--tls-auth-clients',
    tls.requireClientCert ? 'yes' : 'no',
  ];
}

/**
 * A private redis-server on a free 127.0.0.1 port, in its own temp dir, no persistence: plain, with a
 * password, TLS only, or a replica. Resolves once it listens.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const teardown = new Teardown();
  return teardown.guard(async () => {
    const name = options.name ?? 'redis';
    const [port, dir] = await Promise.all([freePort(), tempDir(name)]);
    teardown.removeDirLater(dir);
    const args = [
      ...(options.tls ? tlsArgs(port, options.tls) : ['--port', String(port)]),
      ...['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
      ...(options.password ? ['--requirepass', options.password, '--masterauth', options.password] : []),
      ...(options.replicaOf !== undefined ? ['--replicaof', '127.0.0.1', String(options.replicaOf)] : []),
      ...(options.args ?? []),
    ];
    const server = ManagedProcess.launch(`${name}:${port}`, 'redis-server', args, path.join(dir, 'redis.log'), dir);
    teardown.add(() => server.kill());
    await waitForPort(server, port);
    const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
    return {
      host: '127.0.0.1' as const,
      port,
      url: `${options.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
      password: options.password,
      get pid() {
        return server.pid;
      },
      dir,
      kill: () => server.kill(),
      stop: teardown.stop,
    };
  });
}

/** Sends one command to 127.0.0.1:port with a short-lived plain connection (for the helpers' polling). */
export async function redisCommand(port: number, args: (string | number)[], options: RedisOptions = {}): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2_000,
    ...options,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    client.disconnect();
  }
}
