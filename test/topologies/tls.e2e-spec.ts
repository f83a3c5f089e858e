import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:net';
import { checkPostgresAtStartup } from '../../src/database/postgres-startup-check';
import { DatabaseSettings } from '../../src/config/settings/database.settings';
import { RedisSettings } from '../../src/config/settings/redis.settings';
import { StartupCheckError } from '../../src/config/startup-check.errors';
import { validateEnvironment } from '../../src/config/env.schema';
import { createRedisClient } from '../../src/role-store/redis-client.factory';
import { connectAtStartup } from '../../src/role-store/redis-startup-check';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { assertBuilt, GatewayProcess, MAIN_JS } from '../faults/gateway-process';
import {
  freePort,
  makeTestCertificates,
  startRedis,
  startTlsPostgres,
  TestCertificates,
  TestRedis,
  TestTlsPostgres,
} from '../support/servers';
import { TEST_SECRETS_ENV } from '../support/test-secrets';

const START_TIMEOUT = 90_000;

/** Starts the built gateway expecting it to stop at start-up: its exit code and everything it printed. */
function failedStart(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS], { env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env } });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway did not stop within ${timeoutMs} ms:\n${output.join('')}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.join('') });
    });
  });
}

/** A server that answers PostgreSQL's SSLRequest with 'N', as a PostgreSQL without TLS does. */
async function plaintextPostgres(): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer((socket) => {
    socket.once('data', () => socket.end('N'));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, server };
}

const redisSettings = (variables: Record<string, string>) => new RedisSettings(validateEnvironment(variables));
const databaseSettings = (url: string) =>
  new DatabaseSettings(validateEnvironment({ DATABASE_URL: url, ...TEST_SECRETS_ENV, ESR_BASE_URL: 'http://127.0.0.1:9' }));

describe('TLS to Redis and PostgreSQL', () => {
  let certificates: TestCertificates;
  let tlsRedis: TestRedis;
  let plainRedis: TestRedis;
  let postgres: TestTlsPostgres;
  let plainPostgres: { port: number; server: Server };
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    assertBuilt();
    certificates = await makeTestCertificates();
    [tlsRedis, plainRedis, postgres, plainPostgres, sandbox] = await Promise.all([
      startRedis({ tls: { certificates } }),
      startRedis(),
      startTlsPostgres({ certificates }),
      plaintextPostgres(),
      startSandbox({ port: 0, vpdCount: 1, roleAssignments: 10 }),
    ]);
  }, START_TIMEOUT);

  afterAll(async () => {
    await Promise.all([tlsRedis?.stop(), plainRedis?.stop(), postgres?.stop(), sandbox?.close()]);
    await new Promise((resolve) => plainPostgres?.server.close(resolve));
    await certificates?.stop();
  }, 60_000);

  /** A production gateway on the TLS-only PostgreSQL and Redis, with the right CA unless overridden. */
  const gatewayEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
    NODE_ENV: 'production',
    ...TEST_SECRETS_ENV,
    DATABASE_URL: postgres.url,
    REDIS_URL: `rediss://127.0.0.1:${tlsRedis.port}`,
    REDIS_TLS_CA_FILE: certificates.ca.certFile,
    ESR_BASE_URL: sandbox.url,
    SYNC_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    ...overrides,
  });

  describe(connectAtStartup.name, () => {
    const connect = async (variables: Record<string, string>): Promise<void> => {
      const settings = redisSettings(variables);
      const client = createRedisClient(settings);
      client.on('error', () => undefined);
      try {
        await connectAtStartup(client, settings);
      } finally {
        client.disconnect();
      }
    };

    it('should connect over TLS with the CA that signed the server certificate', async () => {
      await expect(connect({ REDIS_URL: tlsRedis.url, REDIS_TLS_CA_FILE: certificates.ca.certFile })).resolves.toBeUndefined();
    });

    it('should connect with the client certificate and server name of the settings', async () => {
      const mutual = await startRedis({ tls: { certificates, requireClientCert: true } });
      try {
        const files = { REDIS_TLS_CA_FILE: certificates.ca.certFile, REDIS_TLS_SERVERNAME: 'localhost' };
        await expect(
          connect({
            REDIS_URL: mutual.url,
            ...files,
            REDIS_TLS_CERT_FILE: certificates.client.certFile,
            REDIS_TLS_KEY_FILE: certificates.client.keyFile,
          }),
        ).resolves.toBeUndefined();
      } finally {
        await mutual.stop();
      }
    });

    it('should stop the start naming REDIS_TLS_CA_FILE when another CA signed the server certificate', async () => {
      const attempt = connect({ REDIS_URL: tlsRedis.url, REDIS_TLS_CA_FILE: certificates.otherCa.certFile });
      await expect(attempt).rejects.toThrow(StartupCheckError);
      await expect(attempt).rejects.toThrow(
        /^Redis TLS verification failed: the server's certificate is not signed by REDIS_TLS_CA_FILE \(\w+\)\.$/,
      );
    });

    it('should stop the start naming REDIS_URL when a plaintext server answers a rediss:// URL', async () => {
      await expect(
        connect({ REDIS_URL: `rediss://127.0.0.1:${plainRedis.port}`, REDIS_TLS_CA_FILE: certificates.ca.certFile }),
      ).rejects.toThrow(/^Redis TLS handshake failed: the server does not speak TLS, but REDIS_URL's rediss:\/\/ requires it/);
    });

    it('should stop the start naming REDIS_TLS_SERVERNAME when the certificate does not name the server', async () => {
      await expect(
        connect({ REDIS_URL: tlsRedis.url, REDIS_TLS_CA_FILE: certificates.ca.certFile, REDIS_TLS_SERVERNAME: 'redis.example.org' }),
      ).rejects.toThrow(/^Redis TLS verification failed: .*REDIS_TLS_SERVERNAME/);
    });

    it('should not stop the start when Redis is merely unreachable', async () => {
      const port = await freePort();
      await expect(
        connect({ REDIS_URL: `rediss://127.0.0.1:${port}`, REDIS_TLS_CA_FILE: certificates.ca.certFile }),
      ).resolves.toBeUndefined();
    });
  });

  describe(checkPostgresAtStartup.name, () => {
    it('should connect with sslmode=verify-full and the CA that signed the server certificate', async () => {
      await expect(checkPostgresAtStartup(databaseSettings(postgres.url))).resolves.toBeUndefined();
    });

    it("should stop the start naming DATABASE_URL's sslrootcert when another CA signed the server certificate", async () => {
      const attempt = checkPostgresAtStartup(databaseSettings(postgres.urlWith({ caFile: certificates.otherCa.certFile })));
      await expect(attempt).rejects.toThrow(StartupCheckError);
      await expect(attempt).rejects.toThrow(
        /^PostgreSQL TLS verification failed: the server's certificate is not signed by DATABASE_URL's sslrootcert/,
      );
    });

    it('should stop the start when a plaintext server answers a URL that requires TLS', async () => {
      const url = `postgres://postgres@127.0.0.1:${plainPostgres.port}/postgres?sslmode=verify-full&sslrootcert=${certificates.ca.certFile}`;
      await expect(checkPostgresAtStartup(databaseSettings(url))).rejects.toThrow(
        /^PostgreSQL TLS failed: the server does not speak TLS, but DATABASE_URL's sslmode requires it/,
      );
    });

    it('should stop the start when a TLS-only server is reached without TLS', async () => {
      await expect(checkPostgresAtStartup(databaseSettings(postgres.urlWith({ sslmode: 'disable' })))).rejects.toThrow(
        /^PostgreSQL refused a connection without TLS: set sslmode=verify-full/,
      );
    });

    it('should stop the start when the sslrootcert file cannot be read', async () => {
      await expect(checkPostgresAtStartup(databaseSettings(postgres.urlWith({ caFile: '/nonexistent/ca.crt' })))).rejects.toThrow(
        /^DATABASE_URL's sslrootcert, sslcert or sslkey cannot be read \(ENOENT\)\.$/,
      );
    });

    it('should not stop the start when PostgreSQL is merely unreachable', async () => {
      const port = await freePort();
      await expect(checkPostgresAtStartup(databaseSettings(`postgres://postgres@127.0.0.1:${port}/x`), 1000)).resolves.toBeUndefined();
    });
  });

  describe('the gateway process', () => {
    it('should start and be ready on TLS-only PostgreSQL and Redis with the right CA', async () => {
      const gateway = new GatewayProcess('tls', gatewayEnv());
      try {
        await gateway.start(60_000);
        const ready = await fetch(`${gateway.url}/health/ready`);
        expect(ready.status).toBe(200);
      } finally {
        await gateway.stop();
      }
    }, 90_000);

    it.each([
      [
        'Redis with a CA that did not sign its certificate',
        () => ({ REDIS_TLS_CA_FILE: certificates.otherCa.certFile }),
        "Redis TLS verification failed: the server's certificate is not signed by REDIS_TLS_CA_FILE",
      ],
      [
        'a plaintext Redis where TLS is required',
        () => ({ REDIS_URL: `rediss://127.0.0.1:${plainRedis.port}` }),
        "Redis TLS handshake failed: the server does not speak TLS, but REDIS_URL's rediss:// requires it",
      ],
      [
        'PostgreSQL with a CA that did not sign its certificate',
        () => ({ DATABASE_URL: postgres.urlWith({ caFile: certificates.otherCa.certFile }) }),
        "PostgreSQL TLS verification failed: the server's certificate is not signed by DATABASE_URL's sslrootcert",
      ],
      [
        'a plaintext PostgreSQL where TLS is required',
        () => ({
          DATABASE_URL: `postgres://postgres@127.0.0.1:${plainPostgres.port}/postgres?sslmode=verify-full&sslrootcert=${certificates.ca.certFile}`,
        }),
        "PostgreSQL TLS failed: the server does not speak TLS, but DATABASE_URL's sslmode requires it",
      ],
      [
        'an unreadable REDIS_TLS_CA_FILE',
        () => ({ REDIS_TLS_CA_FILE: '/nonexistent/ca.crt' }),
        'REDIS_TLS_CA_FILE: cannot read /nonexistent/ca.crt (ENOENT)',
      ],
    ])(
      'should exit 1 with one sentence naming the setting for %s',
      async (_case, overrides, sentence) => {
        const { code, output } = await failedStart(gatewayEnv(overrides()));
        expect(code).toBe(1);
        expect(output).toContain(sentence);
      },
      40_000,
    );
  });
});
