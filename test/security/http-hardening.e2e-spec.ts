import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { UNMATCHED_PATH } from '../../src/common/logging/logging.module';
import { DataSource, In } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.one@nhs.net' };

describe('HTTP hardening', () => {
  let t: TestApp;
  const logs: string[] = [];
  let writeSpy: jest.SpyInstance;

  beforeAll(async () => {
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    t = await startTestApp({ LOG_LEVEL: 'info', HTTP_REQUEST_TIMEOUT: 'PT2S', HTTP_CONNECTION_TIMEOUT: 'PT2S' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    writeSpy.mockRestore();
    await t?.close();
  });

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);

  it('should refuse a form-encoded or plain-text body on a JSON route with 415 and the contract error body', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'application/xml']) {
      const res = await inject({
        method: 'POST',
        url: '/v1/users/hr.one/esr-mappings',
        headers: { ...portal, 'content-type': contentType },
        payload: 'vpd=979&employeeNumber=30581377',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toEqual({
        error: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'The request body must be JSON (Content-Type: application/json).',
        requestId: res.headers['x-request-id'],
      });
    }
    const db = t.app.get<DataSource>(getDataSourceToken());
    await expect(db.getRepository('EsrMapping').count()).resolves.toBe(0);
  });

  it('should accept JSON with a charset parameter', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/esr-access/batch',
      headers: { ...portal, 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ portalUserIds: ['hr.one'] }),
    });
    expect(res.statusCode).toBe(200);
  });

  it('should send nosniff on every answer: success, error, probe and unmatched path', async () => {
    const answers = await Promise.all([
      inject({ method: 'GET', url: '/health/live' }),
      inject({ method: 'GET', url: '/v1/users/hr.one/esr-mappings', headers: portal }),
      inject({ method: 'GET', url: '/v1/users/hr.one/esr-mappings' }),
      inject({ method: 'GET', url: '/nowhere' }),
    ]);
    for (const res of answers) expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('should mark answers with personal data or change results no-store, and keep the access answer privately cacheable', async () => {
    const created = await inject({
      method: 'POST',
      url: '/v1/esr-mappings/import',
      headers: { ...portal, 'content-type': 'application/json' },
      payload: JSON.stringify({ items: [{ portalUserId: 'hr.two', vpd: '979', employeeNumber: '30581377' }] }),
    });
    expect(created.statusCode).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    const list = await inject({ method: 'GET', url: '/v1/users/hr.two/esr-mappings', headers: portal });
    expect(list.headers['cache-control']).toBe('no-store');
    const dryRun = await inject({
      method: 'POST',
      url: '/v1/sync/runs',
      headers: { authorization: `Bearer ${OPS_KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ vpd: '979', dryRun: true }),
    });
    expect(dryRun.headers['cache-control']).toBe('no-store');
    const access = await inject({ method: 'GET', url: '/v1/users/hr.two/esr-access', headers: portal });
    expect(access.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
  });

  it('should serve /docs with a content security policy that forbids framing', async () => {
    const res = await inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('should serve every asset the /docs page references, and nothing else of the swagger-ui folder', async () => {
    const page = await inject({ method: 'GET', url: '/docs' });
    const referenced = [...page.body.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => new URL(m[1], 'http://gateway/docs').pathname);
    expect(referenced).toEqual(expect.arrayContaining(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui-init.js']));
    for (const asset of referenced) expect([asset, (await inject({ method: 'GET', url: asset })).statusCode]).toEqual([asset, 200]);
    for (const unused of [
      '/docs/package.json',
      '/docs/LICENSE',
      '/docs/swagger-ui.js',
      '/docs/swagger-ui-bundle.js.map',
      '/docs/absolute-path.js',
      '/docs/index.js',
    ]) {
      const res = await inject({ method: 'GET', url: unused });
      expect([unused, res.statusCode, res.json()]).toEqual([unused, 404, expect.objectContaining({ error: 'NOT_FOUND' })]);
    }
    expect((await inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
  });

  it("should keep the server's own request id in the audit row and the caller's beside it", async () => {
    // Two people, two portal accounts (one person per VPD per account).
    const send = (employeeNumber: string, user = 'hr.three') =>
      inject({
        method: 'POST',
        url: `/v1/users/${user}/esr-mappings`,
        headers: { ...portal, 'content-type': 'application/json', 'x-request-id': 'portal-chosen-id' },
        payload: JSON.stringify({ vpd: '979', employeeNumber }),
      });
    const [a, b] = [await send('68114448'), await send('15647519', 'hr.four')];
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.headers['x-request-id']).toBe('portal-chosen-id');
    const rows = await t.app
      .get<DataSource>(getDataSourceToken())
      .getRepository(AuditEvent)
      .find({ where: { type: 'MAPPING_CREATED', subjectUserId: In(['hr.three', 'hr.four']) } });
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.callerRequestId)).toEqual(['portal-chosen-id', 'portal-chosen-id']);
    expect(rows[0].requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0].requestId).not.toBe(rows[1].requestId);
  });

  it('should log a path that matched no route as a fixed placeholder, never as sent', async () => {
    const personal = '/v1/Jane-Smith/1980-02-29/QQ123456C';
    await inject({ method: 'GET', url: personal, headers: portal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = logs.join('');
    expect(text).not.toContain('Jane-Smith');
    expect(text).not.toContain('QQ123456C');
    expect(text).toContain(UNMATCHED_PATH);
  });

  it('should cut off a client that sends its request one byte at a time (slowloris)', async () => {
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const request = 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100);
      let i = 0;
      const drip = setInterval(() => {
        if (i < request.length && !socket.destroyed) socket.write(request[i++]);
      }, 200);
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(drip);
        resolve(Date.now() - started);
      });
    });
    // HTTP_REQUEST_TIMEOUT is 2 s here; the server checks every second.
    expect(closedAfter).toBeGreaterThanOrEqual(1_900);
    expect(closedAfter).toBeLessThan(4_500);
  });
});

describe('HTTP hardening: /docs switched off', () => {
  it('should not serve /docs or /openapi.json when DOCS_ENABLED=false', async () => {
    const t = await startTestApp({ DOCS_ENABLED: 'false' });
    try {
      expect((await t.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(404);
      expect((await t.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});
