import { cacheStoreContract } from '../../src/cache/cache.store.contract';
import { RedisCacheStore } from '../../src/cache/redis-cache.store';
import { createTestRedisPrefix, REDIS_URL } from '../support/test-env';

const prefix = createTestRedisPrefix();

afterAll(async () => {
  await prefix.cleanup();
});

cacheStoreContract(RedisCacheStore.name, async () => {
  const store = new RedisCacheStore({ url: REDIS_URL, keyPrefix: prefix.prefix });
  await store.connect();
  return {
    store,
    advance: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    close: () => store.close(),
  };
});

describe(RedisCacheStore.name, () => {
  it('should keep every key under its prefix', async () => {
    const own = createTestRedisPrefix();
    const store = new RedisCacheStore({ url: REDIS_URL, keyPrefix: own.prefix });
    await store.connect();
    try {
      const lease = await store.acquireLease('sync', 'h', 60_000);
      if (!lease) throw new Error('lease not taken');
      const { generation } = await store.beginGeneration('979', lease);
      await store.commitGeneration('979', generation, lease, {
        watermark: 'w',
        at: '2026-11-25T10:00:00.000Z',
        held: false,
        lastRun: { runId: 'r', mode: 'full', outcome: 'succeeded', added: 0, updated: 0, removed: 0, held: 0, durationMs: 1, finishedAt: '2026-11-25T10:00:00.000Z' },
      });
      const keys = await store.redis.call('KEYS', '*');
      expect((keys as string[]).filter((k) => k.includes(':979:') || k.startsWith('lease')).every((k) => k.startsWith(own.prefix))).toBe(true);
      expect((keys as string[]).some((k) => k.startsWith(`${own.prefix}sync:vpd:979:meta`))).toBe(true);
    } finally {
      await store.close();
      await own.cleanup();
    }
  });
});
