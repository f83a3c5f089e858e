import { EphemeralRedis } from '../support/redis-server';
import { startTestApp, TestApp } from '../support/test-env';

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

  const ready = () => t.app.inject({ method: 'GET', url: '/health/ready' });

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
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

    await redis.start();
    await eventually(async () => (await ready()).statusCode === 200);
    expect((await ready()).json()).toMatchObject({ status: 'ok' });
  });
});
