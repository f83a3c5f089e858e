import { generateKeyPairSync, KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, TestingModule } from '@nestjs/testing';
import { AppConfig } from '../../src/config/app-config';
import { CommonModule } from '../../src/common/common.module';
import { ConfigModule } from '../../src/config/config.module';
import { validateEnvironment } from '../../src/config/env.schema';
import { openEsrEndpoint } from '../../src/esr-endpoint.bootstrap';
import { EsrClient } from '../../src/esr/esr.client';
import { EsrRejectedError } from '../../src/esr/esr.errors';
import { EsrModule } from '../../src/esr/esr.module';
import { MetricsModule } from '../../src/metrics/metrics.module';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { TEST_SECRETS_ENV } from '../support/test-secrets';

const CLIENT_ID = 'esr-gateway-e2e';
const CLIENT_SECRET = 'e2e secret: with+odd/chars%';

interface Connected {
  client: EsrClient;
  close(): Promise<void>;
}

/** The gateway's ESR module as bootstrap wires it, configured by `env`. */
async function connect(env: Record<string, string>): Promise<Connected> {
  const config = AppConfig.from(validateEnvironment({ ...(env.ESR_BASE_URL ? TEST_SECRETS_ENV : {}), ESR_CLIENT_ID: CLIENT_ID, ...env }));
  const endpoint = await openEsrEndpoint(config.settings);
  const moduleRef: TestingModule = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), CommonModule, EsrModule.forRoot(endpoint), MetricsModule, EsrModule],
  }).compile();
  await moduleRef.init();
  return { client: moduleRef.get(EsrClient), close: () => moduleRef.close() };
}

function keyPair(type: 'rsa' | 'ec'): { privatePem: string; publicKey: KeyObject } {
  const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privatePem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, publicKey: pair.publicKey };
}

const publicJwk = (key: KeyObject, kid: string): object => ({ ...key.export({ format: 'jwk' }), kid });

describe('EsrClient client authentication against the ESR sandbox', () => {
  let sandbox: RunningSandbox;
  let dir: string;
  const rsa = keyPair('rsa');
  const ec = keyPair('ec');
  const stranger = keyPair('rsa');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'esr-client-auth-'));
    sandbox = await startSandbox({
      port: 0,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      clientKeys: [publicJwk(rsa.publicKey, 'rsa-2026')],
    });
    expect(sandbox.admin.registerClientKey(publicJwk(ec.publicKey, 'ec-2026'))).toBe('ec-2026');
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a PEM where a mounted Secret would be, and returns its path. */
  function keyFile(name: string, pem: string): string {
    const path = join(dir, name);
    writeFileSync(path, `${pem}\n`, { mode: 0o600 });
    return path;
  }

  const methods: [string, () => Record<string, string>][] = [
    ['client_secret_post', () => ({ ESR_CLIENT_AUTH: 'client_secret_post', ESR_CLIENT_SECRET: CLIENT_SECRET })],
    ['client_secret_basic', () => ({ ESR_CLIENT_AUTH: 'client_secret_basic', ESR_CLIENT_SECRET: CLIENT_SECRET })],
    [
      'private_key_jwt with an RSA key (RS512)',
      () => ({
        ESR_CLIENT_AUTH: 'private_key_jwt',
        ESR_CLIENT_PRIVATE_KEY_FILE: keyFile('rsa.pem', rsa.privatePem),
        ESR_CLIENT_KEY_ID: 'rsa-2026',
      }),
    ],
    [
      'private_key_jwt with an EC P-256 key (ES256)',
      () => ({
        ESR_CLIENT_AUTH: 'private_key_jwt',
        ESR_CLIENT_PRIVATE_KEY_FILE: keyFile('ec.pem', ec.privatePem),
        ESR_CLIENT_KEY_ID: 'ec-2026',
      }),
    ],
  ];

  it.each(methods)('should get a token and call ESR with %s', async (_method, env) => {
    const esr = await connect({ ESR_BASE_URL: sandbox.url, ...env() });
    try {
      const vpds = await esr.client.listVpds();
      expect(vpds.map((v) => v.vpd)).toContain('979');
      const pages = esr.client.listRoleAssignments('979')[Symbol.asyncIterator]();
      await expect(pages.next()).resolves.toMatchObject({ done: false });
    } finally {
      await esr.close();
    }
  });

  it('should take the token from ESR_TOKEN_URL', async () => {
    // An identity provider of its own at another URL, handing token requests on to the sandbox's.
    let tokenRequests = 0;
    const idp = http.createServer((req, res) => {
      tokenRequests += Number(req.url === '/idp/token');
      const upstream = http.request(`${sandbox.url}/oauth2/token`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const esr = await connect({
      ESR_BASE_URL: sandbox.url,
      ESR_TOKEN_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/idp/token`,
      ESR_CLIENT_AUTH: 'client_secret_basic',
      ESR_CLIENT_SECRET: CLIENT_SECRET,
    });
    try {
      await expect(esr.client.listVpds()).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ vpd: '979' })]));
      expect(tokenRequests).toBe(1);
    } finally {
      await esr.close();
      await new Promise((resolve) => idp.close(resolve));
    }
  });

  it('should surface an assertion signed with a key ESR does not know as the ESR auth failure', async () => {
    const esr = await connect({
      ESR_BASE_URL: sandbox.url,
      ESR_CLIENT_AUTH: 'private_key_jwt',
      ESR_CLIENT_PRIVATE_KEY_FILE: keyFile('stranger.pem', stranger.privatePem),
      ESR_CLIENT_KEY_ID: 'rsa-2026',
    });
    try {
      const error = await esr.client.listVpds().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EsrRejectedError);
      expect(error).toMatchObject({ esrStatus: 401, esrErrorCode: 'invalid_client', code: 'ESR_UNAVAILABLE' });
    } finally {
      await esr.close();
    }
  });

  it('should surface a wrong client secret as the ESR auth failure', async () => {
    const esr = await connect({ ESR_BASE_URL: sandbox.url, ESR_CLIENT_AUTH: 'client_secret_basic', ESR_CLIENT_SECRET: 'not-the-secret' });
    try {
      await expect(esr.client.listVpds()).rejects.toMatchObject({ esrStatus: 401, esrErrorCode: 'invalid_client' });
    } finally {
      await esr.close();
    }
  });

  it('should register the configured key with the built-in sandbox in local mode', async () => {
    const esr = await connect({ ESR_CLIENT_AUTH: 'private_key_jwt', ESR_CLIENT_PRIVATE_KEY: ec.privatePem, ESR_CLIENT_KEY_ID: 'local-ec' });
    try {
      await expect(esr.client.listVpds()).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ vpd: '979' })]));
    } finally {
      await esr.close();
    }
  });
});
