import { RedisMappingCache } from '../../src/mapping-cache/redis-mapping-cache';
import { redisStores } from '../../src/role-store/stores';
import { createTestRedisPrefix, REDIS_URL } from '../support/test-env';
import { mappingCacheContract } from './mapping-cache.contract';

const prefixes: Array<ReturnType<typeof createTestRedisPrefix>> = [];

afterAll(async () => {
  for (const prefix of prefixes) await prefix.cleanup();
});

mappingCacheContract(RedisMappingCache.name, async () => {
  const scratch = createTestRedisPrefix();
  prefixes.push(scratch);
  const stores = await redisStores({ url: REDIS_URL, keyPrefix: scratch.prefix });
  return { mirror: new RedisMappingCache(stores.redis), stores, close: () => stores.close() };
});
