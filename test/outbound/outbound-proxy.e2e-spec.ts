import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Test, TestingModule } from '@nestjs/testing';
import { AppConfig } from '../../src/config/app-config';
import { CommonModule } from '../../src/common/common.module';
import { ConfigModule } from '../../src/config/config.module';
import { validateEnvironment } from '../../src/config/env.schema';
import { OutboundHttpSettings } from '../../src/config/settings/outbound-http.settings';
import { EsrEndpoint } from '../../src/esr/esr.endpoint';
import { EsrClient } from '../../src/esr/esr.client';
import { EsrModule } from '../../src/esr/esr.module';
import { MetricsModule } from '../../src/metrics/metrics.module';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { WebhookClient } from '../../src/webhooks/webhook-client';
import { makeTestCertificates, TestCertificates } from '../support/servers';
import { TEST_SECRETS_ENV } from '../support/test-secrets';
import { ForwardProxy, startForwardProxy } from './forward-proxy';

const listen = async <S extends http.Server>(server: S): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};
const close = (server: http.Server): Promise<unknown> => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
};

/** Hands every request on to `target` (an https front for the http-only sandbox). */
function reverseProxy(target: string) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  };
}

describe('Outbound HTTP through the egress proxy', () => {
  let certs: TestCertificates;
  let proxy: ForwardProxy;
  let sandbox: RunningSandbox;
  let esrFront: https.Server;
  let receiver: https.Server;
  let plainReceiver: http.Server;
  let ports: { esr: number; receiver: number; plainReceiver: number };
  let delivered: string[];
  let defaultCas: string[];

  beforeAll(async () => {
    certs = await makeTestCertificates();
    // The test CA is trusted process-wide here, as NODE_EXTRA_CA_CERTS would do for a private CA.
    defaultCas = tls.getCACertificates('default');
    tls.setDefaultCACertificates([...defaultCas, certs.pem(certs.ca.certFile)]);
    const tlsOptions = { cert: certs.pem(certs.server.certFile), key: certs.pem(certs.server.keyFile) };
    proxy = await startForwardProxy();
    sandbox = await startSandbox({ port: 0, rateLimitPerSecond: 0 });
    delivered = [];
    const receive = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        delivered.push(`${String(req.headers['webhook-id'])} ${body}`);
        res.writeHead(204).end();
      });
    };
    esrFront = https.createServer(tlsOptions, reverseProxy(sandbox.url));
    receiver = https.createServer(tlsOptions, receive);
    plainReceiver = http.createServer(receive);
    ports = { esr: await listen(esrFront), receiver: await listen(receiver), plainReceiver: await listen(plainReceiver) };
  });
  afterAll(async () => {
    tls.setDefaultCACertificates(defaultCas);
    await Promise.all([close(esrFront), close(receiver), close(plainReceiver)]);
    await proxy?.close();
    await sandbox?.close();
    await certs?.stop();
  });
  beforeEach(() => {
    proxy.seen.length = 0;
    delivered.length = 0;
  });

  const proxyEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    HTTPS_PROXY: proxy.url,
    HTTP_PROXY: proxy.url,
    ...extra,
  });

  async function esrCall(env: Record<string, string>): Promise<string[]> {
    const config = AppConfig.from(validateEnvironment({ ...TEST_SECRETS_ENV, ...env }));
    const moduleRef: TestingModule = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        CommonModule,
        EsrModule.forRoot(EsrEndpoint.configured(env.ESR_BASE_URL)),
        MetricsModule,
        EsrModule,
      ],
    }).compile();
    await moduleRef.init();
    try {
      return (await moduleRef.get(EsrClient).listVpds()).map((v) => v.vpd);
    } finally {
      await moduleRef.close();
    }
  }

  async function deliver(env: Record<string, string>, url: string): Promise<unknown> {
    const client = new WebhookClient(new OutboundHttpSettings(validateEnvironment(env)));
    try {
      return await client.post(url, Buffer.from('webhook-secret-0123456789'), 'evt-1', 1_700_000_000, '{"event":"access.changed"}');
    } finally {
      client.onApplicationShutdown();
    }
  }

  it('should tunnel ESR calls to an https ESR through HTTPS_PROXY', async () => {
    await expect(esrCall({ ESR_BASE_URL: `https://localhost:${ports.esr}`, ...proxyEnv() })).resolves.toContain('979');
    expect(proxy.seen).toEqual([`CONNECT localhost:${ports.esr}`]);
  });

  it('should tunnel a webhook delivery to an https receiver through HTTPS_PROXY', async () => {
    await expect(deliver(proxyEnv(), `https://localhost:${ports.receiver}/hook`)).resolves.toEqual({ ok: true, status: 204 });
    expect(proxy.seen).toEqual([`CONNECT localhost:${ports.receiver}`]);
    expect(delivered).toEqual(['evt-1 {"event":"access.changed"}']);
  });

  it('should send http calls, ESR and webhook alike, through HTTP_PROXY', async () => {
    await expect(esrCall({ ESR_BASE_URL: sandbox.url.replace('127.0.0.1', 'localhost'), ...proxyEnv() })).resolves.toContain('979');
    await expect(deliver(proxyEnv(), `http://localhost:${ports.plainReceiver}/hook`)).resolves.toEqual({ ok: true, status: 204 });
    const sandboxPort = new URL(sandbox.url).port;
    expect(proxy.seen).toEqual([
      `POST http://localhost:${sandboxPort}/oauth2/token`,
      `GET http://localhost:${sandboxPort}/esr/v1/vpds`,
      `POST http://localhost:${ports.plainReceiver}/hook`,
    ]);
  });

  it('should reach NO_PROXY hosts directly, ESR and webhook alike', async () => {
    const env = proxyEnv({ NO_PROXY: 'example.org,localhost' });
    await expect(esrCall({ ESR_BASE_URL: `https://localhost:${ports.esr}`, ...env })).resolves.toContain('979');
    await expect(deliver(env, `https://localhost:${ports.receiver}/hook`)).resolves.toEqual({ ok: true, status: 204 });
    expect(proxy.seen).toEqual([]);
    expect(delivered).toHaveLength(1);
  });

  it('should read the lower-case proxy variables too', async () => {
    await expect(deliver({ https_proxy: proxy.url }, `https://localhost:${ports.receiver}/hook`)).resolves.toEqual({
      ok: true,
      status: 204,
    });
    expect(proxy.seen).toEqual([`CONNECT localhost:${ports.receiver}`]);
  });

  it('should go direct when no proxy is configured, whatever the process environment holds outside the settings', async () => {
    // Only the validated settings decide: a library reading process.env on its own would use this proxy.
    process.env.HTTPS_PROXY = proxy.url;
    try {
      await expect(deliver({}, `https://localhost:${ports.receiver}/hook`)).resolves.toEqual({ ok: true, status: 204 });
      await expect(esrCall({ ESR_BASE_URL: `https://localhost:${ports.esr}` })).resolves.toContain('979');
    } finally {
      delete process.env.HTTPS_PROXY;
    }
    expect(proxy.seen).toEqual([]);
  });
});
