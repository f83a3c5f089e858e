import { mappingCacheContract } from '../../src/access/mapping-cache/mapping-cache.contract';
import { RedisMappingCache } from '../../src/access/mapping-cache/redis-mapping-cache';
import { RedisCacheStore } from '../../src/cache/redis-cache.store';
import { createTestRedisPrefix, REDIS_URL } from '../support/test-env';

const prefixes: Array<ReturnType<typeof createTestRedisPrefix>> = [];

afterAll(async () => {
  for (const prefix of prefixes) await prefix.cleanup();
});

mappingCacheContract(RedisMappingCache.name, async () => {
  const scratch = createTestRedisPrefix();
  prefixes.push(scratch);
  const store = new RedisCacheStore({ url: REDIS_URL, keyPrefix: scratch.prefix });
  await store.connect();
  return { mirror: new RedisMappingCache(store.redis, store.keyPrefix), store, close: () => store.close() };
});
