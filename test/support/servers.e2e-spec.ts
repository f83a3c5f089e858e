import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis, { RedisOptions } from 'ioredis';
import { Client } from 'pg';
import {
  freePort,
  makeTestCertificates,
  startCluster,
  startRedis,
  startSentinel,
  startTlsPostgres,
  sweepLeftovers,
  TestCertificates,
  TestCluster,
  TestRedis,
  TestSentinel,
  TestTlsPostgres,
  waitUntil,
} from './servers';

const START_TIMEOUT = 60_000;

/** Connects, PINGs and disconnects; rejects when the connection or the command fails. */
async function ping(options: RedisOptions): Promise<unknown> {
  const client = new Redis({ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000, ...options });
  const failures: Error[] = [];
  client.on('error', (error: Error) => failures.push(error));
  try {
    await client.connect();
    return await client.ping();
  } catch (error) {
    throw failures[0] ?? error;
  } finally {
    client.disconnect();
  }
}

/** Connects with node-postgres and says whether the session is encrypted; rejects when it cannot connect. */
async function sessionUsesTls(connectionString: string): Promise<boolean> {
  const client = new Client({ connectionString, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const result = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return result.rows[0].ssl;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('test servers', () => {
  let certificates: TestCertificates;

  beforeAll(async () => {
    certificates = await makeTestCertificates();
  }, START_TIMEOUT);

  afterAll(async () => {
    await certificates?.stop();
  });

  describe('Redis with TLS only', () => {
    let tlsRedis: TestRedis;
    let mutualTlsRedis: TestRedis;

    beforeAll(async () => {
      [tlsRedis, mutualTlsRedis] = await Promise.all([
        startRedis({ tls: { certificates } }),
        startRedis({ tls: { certificates, requireClientCert: true } }),
      ]);
    }, START_TIMEOUT);

    afterAll(async () => {
      await Promise.all([tlsRedis?.stop(), mutualTlsRedis?.stop()]);
    });

    it('should answer ioredis over TLS with the right CA', async () => {
      await expect(ping({ port: tlsRedis.port, tls: { ca: certificates.pem(certificates.ca.certFile) } })).resolves.toBe('PONG');
      expect(tlsRedis.url).toBe(`rediss://127.0.0.1:${tlsRedis.port}`);
    });

    it('should refuse a client that trusts another CA', async () => {
      await expect(ping({ port: tlsRedis.port, tls: { ca: certificates.pem(certificates.otherCa.certFile) } })).rejects.toThrow(
        /certificate/,
      );
    });

    it('should refuse a plaintext client', async () => {
      await expect(ping({ port: tlsRedis.port })).rejects.toThrow();
    });

    it('should require a client certificate signed by the CA when asked to', async () => {
      const ca = certificates.pem(certificates.ca.certFile);
      const cert = certificates.pem(certificates.client.certFile);
      const key = certificates.pem(certificates.client.keyFile);
      await expect(ping({ port: mutualTlsRedis.port, tls: { ca, cert, key } })).resolves.toBe('PONG');
      await expect(ping({ port: mutualTlsRedis.port, tls: { ca } })).rejects.toThrow();
    });

    it('should stop idempotently and free its port', async () => {
      const spare = await startRedis();
      await expect(ping({ port: spare.port })).resolves.toBe('PONG');
      await Promise.all([spare.stop(), spare.stop()]);
      await expect(ping({ port: spare.port })).rejects.toThrow();
    });
  });

  describe('Redis Sentinel', () => {
    let sentinel: TestSentinel;

    beforeAll(async () => {
      sentinel = await startSentinel({ password: 'data-secret', sentinelPassword: 'sentinel-secret' });
    }, START_TIMEOUT);

    afterAll(async () => {
      await sentinel?.stop();
    });

    it('should serve reads and writes through the sentinels and move them to the new primary after a kill', async () => {
      const redis = new Redis({
        sentinels: sentinel.sentinels,
        name: sentinel.name,
        password: 'data-secret',
        sentinelPassword: 'sentinel-secret',
        maxRetriesPerRequest: 1,
      });
      redis.on('error', () => undefined);
      try {
        await redis.set('before', 'kept');
        await expect(redis.wait(1, 2_000)).resolves.toBe(1);
        const port = async (): Promise<number> => Number(((await redis.config('GET', 'port')) as string[])[1]);
        const old = await sentinel.currentPrimary();
        expect(await port()).toBe(old.port);

        await expect(sentinel.killPrimary()).resolves.toEqual(old);
        const next = await sentinel.waitForNewPrimary(old);
        expect(next.port).not.toBe(old.port);

        await waitUntil('ioredis to write to the new primary', async () => (await redis.set('after', 'written')) === 'OK', 20_000);
        expect(await port()).toBe(next.port);
        await expect(redis.mget('before', 'after')).resolves.toEqual(['kept', 'written']);
      } finally {
        redis.disconnect();
      }
    }, 45_000);
  });

  describe('Redis Cluster', () => {
    let cluster: TestCluster;
    let redis: InstanceType<typeof Redis.Cluster>;

    beforeAll(async () => {
      cluster = await startCluster({ replicasPerPrimary: 1 });
      redis = new Redis.Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
      redis.on('error', () => undefined);
    }, START_TIMEOUT);

    afterAll(async () => {
      redis?.disconnect();
      await cluster?.stop();
    });

    it('should spread three primaries, each with a replica, over all 16384 slots', async () => {
      const slots = (await redis.cluster('SLOTS')) as [number, number, ...unknown[]][];
      expect(cluster.nodes).toHaveLength(6);
      expect(slots).toHaveLength(3);
      expect(slots.every((range) => range.length === 4)).toBe(true);
      expect(slots.reduce((sum, [from, to]) => sum + to - from + 1, 0)).toBe(16_384);
    });

    it('should write and read keys in different slots', async () => {
      const keys = ['alpha', 'beta', 'gamma', 'delta'];
      const slots = await Promise.all(keys.map((k) => redis.cluster('KEYSLOT', k)));
      expect(new Set(slots).size).toBe(keys.length);
      for (const key of keys) await redis.set(key, `value of ${key}`);
      for (const key of keys) await expect(redis.get(key)).resolves.toBe(`value of ${key}`);
    });

    it('should refuse a multi-key command across slots with CROSSSLOT and run it on hash-tagged keys', async () => {
      await expect(redis.mget('alpha', 'beta')).rejects.toThrow(/CROSSSLOT/);
      await redis.mset('{gateway}:a', '1', '{gateway}:b', '2');
      await expect(redis.mget('{gateway}:a', '{gateway}:b')).resolves.toEqual(['1', '2']);
    });
  });

  describe('PostgreSQL with TLS only', () => {
    let postgres: TestTlsPostgres;

    beforeAll(async () => {
      postgres = await startTlsPostgres({ certificates });
    }, START_TIMEOUT);

    afterAll(async () => {
      await postgres?.stop();
    });

    it('should accept node-postgres with sslmode=verify-full and the CA', async () => {
      expect(postgres.url).toContain('sslmode=verify-full&sslrootcert=');
      await expect(sessionUsesTls(postgres.url)).resolves.toBe(true);
    });

    it('should fail verification when the client trusts another CA', async () => {
      await expect(sessionUsesTls(postgres.urlWith({ caFile: certificates.otherCa.certFile }))).rejects.toThrow(/certificate/);
    });

    it('should reject a plaintext connection (sslmode=disable)', async () => {
      await expect(sessionUsesTls(postgres.urlWith({ sslmode: 'disable' }))).rejects.toThrow(/pg_hba\.conf|no encryption/);
    });
  });

  describe('sweepLeftovers', () => {
    it('should kill the servers of a test process that died and leave those of a live one', async () => {
      const root = await mkdtemp(path.join(tmpdir(), 'sweep-'));
      const deadOwner = spawnSync('true').pid;
      const started = await Promise.all(
        [
          ['esr-gw-orphan', deadOwner],
          ['esr-gw-live', process.pid],
        ].map(async ([name, owner]) => {
          const dir = path.join(root, String(name));
          await mkdir(dir);
          await writeFile(path.join(dir, 'owner.pid'), String(owner));
          const port = await freePort();
          const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
          return { dir, port, child: spawn('redis-server', args, { cwd: dir, stdio: 'ignore' }) };
        }),
      );
      const [orphan, live] = started;
      try {
        for (const { port } of started) await waitUntil(`redis on ${port}`, async () => (await ping({ port })) === 'PONG');
        expect(sweepLeftovers(root)).toEqual([orphan.child.pid]);
        await waitUntil('the orphan to exit', () => orphan.child.exitCode !== null || orphan.child.signalCode !== null);
        expect(existsSync(orphan.dir)).toBe(false);
        await expect(ping({ port: live.port })).resolves.toBe('PONG');
      } finally {
        for (const { child } of started) child.kill('SIGKILL');
        await rm(root, { recursive: true, force: true });
      }
    });
  });
});
