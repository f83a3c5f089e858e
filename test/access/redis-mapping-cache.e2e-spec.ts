import { RedisMappingCache } from '../../src/mapping-cache/redis-mapping-cache';
import { redisStores } from '../../src/role-store/stores';
import { createTestRedisPrefix, REDIS_URL } from '../support/test-env';
import { mappingCacheContract, syncRole } from './mapping-cache.contract';

const prefixes: Array<ReturnType<typeof createTestRedisPrefix>> = [];

afterAll(async () => {
  for (const prefix of prefixes) await prefix.cleanup();
});

mappingCacheContract(RedisMappingCache.name, async (negatives) => {
  const scratch = createTestRedisPrefix();
  prefixes.push(scratch);
  const stores = await redisStores({ url: REDIS_URL, keyPrefix: scratch.prefix });
  return { mirror: new RedisMappingCache(stores.redis, negatives), stores, close: () => stores.close() };
});

describe(`${RedisMappingCache.name} and the VPDs with role data`, () => {
  it('should read a VPD that got role data after this mirror last looked, with one more round trip, once', async () => {
    const scratch = createTestRedisPrefix();
    prefixes.push(scratch);
    const stores = await redisStores({ url: REDIS_URL, keyPrefix: scratch.prefix });
    const mirror = new RedisMappingCache(stores.redis);
    try {
      const records = [{ vpd: '979', employeeNumber: '10000001', verified: true, esrStatus: null }];
      const miss = (await mirror.read(['u1'])).users.get('u1');
      if (miss?.kind !== 'miss') throw new Error('expected a miss');
      await mirror.fillAndRead([{ portalUserId: 'u1', ticket: miss.ticket, records }], []);
      // The mirror saw no VPD with role data; 979 gets some now.
      await syncRole(stores, '979', '10000001');
      const scripts = jest.spyOn(stores.redis.redis, 'mirrorRead');
      const first = await mirror.read(['u1']);
      expect(first.snapshot.roles.get('979:10000001')?.[0]).toMatchObject({ employeeNumber: '10000001' });
      expect(scripts).toHaveBeenCalledTimes(2);
      scripts.mockClear();
      const again = await mirror.read(['u1']);
      expect(again.snapshot).toEqual(first.snapshot);
      expect(scripts).toHaveBeenCalledTimes(1);
    } finally {
      await stores.close();
    }
  });
});
