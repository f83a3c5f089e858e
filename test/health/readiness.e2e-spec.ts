import { EphemeralRedis } from '../support/redis-server';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}

describe('Readiness (/health/ready)', () => {
  let redis: EphemeralRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await EphemeralRedis.create();
    await redis.start();
    t = await startTestApp({ REDIS_URL: redis.url });
  });

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await redis?.stop();
  });

  const ready = (key?: string) =>
    t.app.inject({ method: 'GET', url: '/health/ready', headers: key ? { authorization: `Bearer ${key}` } : {} });

  it('should be 200 while the database and Redis answer', async () => {
    const res = await ready();
    expect(res.statusCode).toBe(200);
  });

  it('should go 503 naming redis when Redis stops, and back to 200 when it returns', async () => {
    await redis.stop();
    const down = await ready();
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'error', error: 'DEPENDENCY_UNAVAILABLE', failed: ['redis'] });
    expect(down.json().message).toContain('redis');
    // Without an ops key: the failed checks' names only, no addresses or error messages (a portal key is no better).
    for (const answer of [down, await ready(PORTAL_KEY)]) {
      expect(Object.keys(answer.json()).sort()).toEqual(['error', 'failed', 'info', 'message', 'status']);
      expect(answer.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|:\d{2,5}\b/);
    }
    const detailed = await ready(OPS_KEY);
    expect(detailed.statusCode).toBe(503);
    expect(detailed.json()).toMatchObject({ failed: ['redis'], checks: { redis: { status: 'down' } } });
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

    await redis.start();
    await eventually(async () => (await ready()).statusCode === 200);
    expect((await ready()).json()).toMatchObject({ status: 'ok' });
  });
});
