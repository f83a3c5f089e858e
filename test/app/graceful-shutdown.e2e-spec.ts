import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { configureApp, createFastifyAdapter } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { CacheStore } from '../../src/cache/cache.store';
import { RedisCacheStore } from '../../src/cache/redis-cache.store';
import { createTestDatabase, createTestRedisPrefix, REDIS_URL, TEST_API_KEYS } from '../support/test-env';

describe('Graceful shutdown', () => {
  it('should finish an in-flight request, refuse new ones, then close Redis and the database', async () => {
    const db = await createTestDatabase();
    const redis = createTestRedisPrefix();
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          AppModule.forRoot({
            DATABASE_URL: db.url,
            REDIS_URL,
            REDIS_KEY_PREFIX: redis.prefix,
            API_KEYS: TEST_API_KEYS,
            AUDIT_HMAC_SECRET: 'test-audit-hmac-secret-0123456789',
            LOG_LEVEL: 'silent',
            SYNC_ENABLED: 'false',
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(), { logger: false });
      await configureApp(app);
      // A request that takes a while, standing in for a slow ESR call in flight at SIGTERM.
      app
        .getHttpAdapter()
        .getInstance()
        .get('/test-only/slow', async () => {
          await new Promise((r) => setTimeout(r, 800));
          return { finished: true };
        });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.getHttpServer().address() as { port: number };
      const base = `http://127.0.0.1:${port}`;
      const store = app.get<CacheStore, RedisCacheStore>(CacheStore);
      const dataSource = app.get(DataSource);

      const inFlight = fetch(`${base}/test-only/slow`);
      await new Promise((r) => setTimeout(r, 150));
      const closing = app.close();
      await new Promise((r) => setTimeout(r, 50));
      const late = await fetch(`${base}/health/live`).then(
        (res) => res.status,
        () => 'refused',
      );

      const res = await inFlight;
      expect(res.status).toBe(200);
      await expect(res.json()).resolves.toEqual({ finished: true });
      expect([503, 'refused']).toContain(late);
      await closing;
      expect(store.redis.status).toBe('end');
      expect(dataSource.isInitialized).toBe(false);
    } finally {
      await redis.cleanup();
      await db.drop();
    }
  }, 20_000);
});
