import { DataSource } from 'typeorm';
import { RedisConnection } from '../../src/role-store/redis-connection';
import { startTestApp } from '../support/test-env';

describe('Graceful shutdown', () => {
  it('should finish an in-flight request, refuse new ones, then close Redis and the database', async () => {
    // Resolved once the slow request is being served (not a guess of how long it takes to arrive).
    let started!: () => void;
    const serving = new Promise<void>((resolve) => (started = resolve));
    const t = await startTestApp({}, undefined, {
      // A request that takes a while, standing in for a slow ESR call in flight at SIGTERM.
      beforeInit: (app) =>
        app
          .getHttpAdapter()
          .getInstance()
          .get('/test-only/slow', async () => {
            started();
            await new Promise((r) => setTimeout(r, 800));
            return { finished: true };
          }),
    });
    const { app } = t;
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.getHttpServer().address() as { port: number };
      const base = `http://127.0.0.1:${port}`;
      const store = app.get(RedisConnection);
      const dataSource = app.get(DataSource);

      const inFlight = fetch(`${base}/test-only/slow`);
      await serving;
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
      await t.cleanup();
    }
  }, 20_000);
});
