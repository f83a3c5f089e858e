import { BOTH_KEY, OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

describe('Gateway foundation (HTTP conventions)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);

  it('should generate an X-Request-Id when the caller sends none', async () => {
    const res = await inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should echo the caller X-Request-Id on success and in error bodies', async () => {
    const ok = await inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'portal-req-42' } });
    expect(ok.headers['x-request-id']).toBe('portal-req-42');
    const err = await inject({ method: 'GET', url: '/v1/nowhere', headers: { 'x-request-id': 'portal-req-43' } });
    expect(err.headers['x-request-id']).toBe('portal-req-43');
    expect(err.json()).toMatchObject({ requestId: 'portal-req-43' });
  });

  it('should replace a malformed X-Request-Id with a generated one', async () => {
    const res = await inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(res.headers['x-request-id']).not.toBe('bad id with spaces');
  });

  it('should answer 401 UNAUTHENTICATED with the contract error body when no key is sent', async () => {
    const res = await inject({ method: 'GET', url: '/v1/users/u1/esr-mappings' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'UNAUTHENTICATED', message: expect.any(String), requestId: res.headers['x-request-id'] });
  });

  it('should answer 401 for an unknown key and for a malformed Authorization header', async () => {
    for (const authorization of ['Bearer not-a-configured-key', 'Basic abc', `Bearer ${PORTAL_KEY}x`, PORTAL_KEY]) {
      const res = await inject({ method: 'GET', url: '/v1/users/u1/esr-mappings', headers: { authorization } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('UNAUTHENTICATED');
    }
  });

  it('should answer 403 FORBIDDEN when the key lacks the scope', async () => {
    const portalOnOps = await inject({ method: 'GET', url: '/v1/audit/events', headers: { authorization: `Bearer ${PORTAL_KEY}` } });
    expect(portalOnOps.statusCode).toBe(403);
    expect(portalOnOps.json()).toMatchObject({ error: 'FORBIDDEN', requestId: expect.any(String) });
    const opsOnPortal = await inject({ method: 'GET', url: '/v1/users/u1/esr-mappings', headers: { authorization: `Bearer ${OPS_KEY}` } });
    expect(opsOnPortal.statusCode).toBe(403);
  });

  it('should let a key with both scopes call portal and ops routes', async () => {
    const portal = await inject({
      method: 'GET',
      url: '/v1/users/u1/esr-mappings',
      headers: { authorization: `Bearer ${BOTH_KEY}`, 'x-acting-user': 'lsa.one' },
    });
    expect(portal.statusCode).toBe(200);
    const ops = await inject({ method: 'GET', url: '/v1/audit/events', headers: { authorization: `Bearer ${BOTH_KEY}` } });
    expect(ops.statusCode).toBe(200);
  });

  it('should answer 404 NOT_FOUND with the error body for an unknown route', async () => {
    const res = await inject({ method: 'GET', url: '/v1/nowhere', headers: { authorization: `Bearer ${PORTAL_KEY}` } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'NOT_FOUND', message: expect.any(String) });
  });

  it('should answer 413 for a body over 64 KiB', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/users/u1/esr-mappings',
      headers: { authorization: `Bearer ${PORTAL_KEY}`, 'content-type': 'application/json', 'x-acting-user': 'lsa1' },
      payload: JSON.stringify({ vpd: '979', employeeNumber: '30581377', pad: 'x'.repeat(70 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'PAYLOAD_TOO_LARGE', requestId: expect.any(String) });
  });

  it('should answer 422 VALIDATION_FAILED for a body that is not JSON', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/users/u1/esr-mappings',
      headers: { authorization: `Bearer ${PORTAL_KEY}`, 'content-type': 'application/json', 'x-acting-user': 'lsa1' },
      payload: '{"vpd": "979",',
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'VALIDATION_FAILED', message: expect.stringContaining('JSON') });
  });

  it('should answer 422 VALIDATION_FAILED with the error body for a URL that cannot be decoded or a path parameter too long', async () => {
    const headers = { authorization: `Bearer ${PORTAL_KEY}`, 'x-request-id': 'bad-url-1' };
    for (const url of ['/v1/users/%ZZ/esr-access', `/v1/users/${'a'.repeat(600)}/esr-access`]) {
      const res = await inject({ method: 'GET', url, headers });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toEqual({ error: 'VALIDATION_FAILED', message: expect.any(String), requestId: 'bad-url-1' });
      expect(res.headers['x-request-id']).toBe('bad-url-1');
    }
  });

  it('should answer 422 VALIDATION_FAILED, never 500, for JSON nested thousands of levels deep', async () => {
    const deep = (inner: string) => `{"${inner}":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const headers = { authorization: `Bearer ${PORTAL_KEY}`, 'content-type': 'application/json', 'x-acting-user': 'lsa1' };
    for (const [url, payload] of [
      ['/v1/credential-searches', deep('vpd')],
      ['/v1/esr-mappings/import', deep('items')],
      ['/v1/esr-access/batch', deep('portalUserIds')],
      ['/v1/users/u1/esr-mappings', deep('vpd')],
    ]) {
      const res = await inject({ method: 'POST', url, headers, payload });
      expect({ url, status: res.statusCode, error: res.json().error }).toEqual({ url, status: 422, error: 'VALIDATION_FAILED' });
    }
  });

  it('should serve Prometheus metrics with the HTTP duration histogram by route and status', async () => {
    await inject({ method: 'GET', url: '/health/live' });
    const res = await inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/esr_gateway_http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="200"\} \d+/);
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });

  it('should serve the OpenAPI document and the docs page without a key', async () => {
    const doc = await inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expect(doc.json().paths).toHaveProperty(['/health/ready']);
    const page = await inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
  });

  it('should report ready when PostgreSQL and Redis answer', async () => {
    const res = await inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } } });
  });
});
