import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const audit = (t: TestApp) => t.app.get<DataSource>(getDataSourceToken()).getRepository(AuditEvent);
const STATUS_SECRET = 'status-page-test-secret-0123456789abcdef';
// A read that needs no X-Acting-User, so only the key decides.
const LIST = '/v1/users/hr.one/esr-access';

/** A /v1 call with this key from this client address. */
const call = (t: TestApp, address: string, key: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: LIST, remoteAddress: address, headers: { authorization: `Bearer ${key}`, ...headers } });

const authFailed = async (t: TestApp, actor: string) => audit(t).find({ where: { type: 'AUTH_FAILED', actor }, order: { id: 'ASC' } });

describe('Failed authentication (throttled per client address, audited as AUTH_FAILED)', () => {
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    one = await startTestApp({ STATUS_PAGE_SESSION_SECRET: STATUS_SECRET });
    two = await startTestApp({ STATUS_PAGE_SESSION_SECRET: STATUS_SECRET }, one.clock, { shareStoresWith: one });
  }, 60_000);

  afterAll(async () => {
    await two?.app.close();
    await one?.close();
  });

  it('should answer 401 to 10 wrong keys a minute, then 429 RATE_LIMITED with Retry-After, even to a valid key', async () => {
    const address = '198.51.100.1';
    for (let i = 0; i < 10; i++) expect((await call(one, address, `wrong-key-${i}-0123456789`)).statusCode).toBe(401);
    const refused = await call(one, address, 'wrong-key-10-0123456789');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'RATE_LIMITED' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await call(one, address, PORTAL_KEY)).statusCode).toBe(429);
    expect((await call(one, '198.51.100.2', PORTAL_KEY)).statusCode).toBe(200);
  });

  it('should count the failures of one address across replicas (the shared Redis counter)', async () => {
    const address = '198.51.100.3';
    for (let i = 0; i < 5; i++) expect((await call(one, address, 'wrong-key-0123456789')).statusCode).toBe(401);
    for (let i = 0; i < 5; i++) expect((await call(two, address, 'wrong-key-0123456789')).statusCode).toBe(401);
    expect((await call(two, address, 'wrong-key-0123456789')).statusCode).toBe(429);
    expect((await call(one, address, 'wrong-key-0123456789')).statusCode).toBe(429);
  });

  it('should write one AUTH_FAILED row per address and window, with the count, the times and a named key id', async () => {
    const address = '198.51.100.4';
    expect((await call(one, address, 'ops1:not-the-secret-0123')).statusCode).toBe(401);
    for (let i = 0; i < 9; i++) expect((await call(one, address, 'wrong-key-0123456789')).statusCode).toBe(401);
    for (let i = 0; i < 50; i++) expect((await call(one, address, 'wrong-key-0123456789')).statusCode).toBe(429);
    const rows = await authFailed(one, address);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ apiKeyId: 'ops1', repeatCount: 10, outcome: 'RATE_LIMITED' });
    expect(rows[0].details).toMatchObject({ clientAddress: address, count: 10, surfaces: ['api'], keyIds: ['ops1'] });
    expect(rows[0].details).toHaveProperty('firstAt');
    expect(rows[0].details).toHaveProperty('lastAt');
    expect(rows[0].details).toHaveProperty('refusedAt');
    expect(JSON.stringify(rows[0])).not.toContain('not-the-secret');
  });

  it('should throttle failed status page sign-ins from an address the same way', async () => {
    const address = '198.51.100.5';
    const signIn = (key: string) =>
      one.app.inject({
        method: 'POST',
        url: '/status/sign-in',
        remoteAddress: address,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `key=${encodeURIComponent(key)}`,
      });
    for (let i = 0; i < 10; i++) expect((await signIn('wrong-key-0123456789')).statusCode).toBe(401);
    const refused = await signIn(OPS_KEY);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body).toContain('Too many failed sign-ins');
    const [row] = await authFailed(one, address);
    expect(row.details).toMatchObject({ count: 10, surfaces: ['status-page'] });
  });

  it('should take the client address from X-Forwarded-For only when TRUST_PROXY names the proxy', async () => {
    const trusting = await startTestApp({ TRUST_PROXY: '127.0.0.1/32' });
    try {
      const forwarded = { 'x-forwarded-for': '203.0.113.7' };
      expect((await call(trusting, '127.0.0.1', 'wrong-key-0123456789', forwarded)).statusCode).toBe(401);
      expect((await call(trusting, '192.0.2.10', 'wrong-key-0123456789', forwarded)).statusCode).toBe(401);
      expect(await authFailed(trusting, '203.0.113.7')).toHaveLength(1);
      expect(await authFailed(trusting, '192.0.2.10')).toHaveLength(1);
    } finally {
      await trusting.close();
    }
    expect((await call(one, '127.0.0.1', 'wrong-key-0123456789', { 'x-forwarded-for': '203.0.113.8' })).statusCode).toBe(401);
    expect(await authFailed(one, '203.0.113.8')).toHaveLength(0);
    expect(await authFailed(one, '127.0.0.1')).toHaveLength(1);
  }, 60_000);
});
