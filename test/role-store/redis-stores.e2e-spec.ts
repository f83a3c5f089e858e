import { RedisKeySpace } from '../../src/role-store/redis-keys';
import { redisStores } from '../../src/role-store/stores';
import { createTestRedisPrefix, REDIS_URL } from '../support/test-env';
import { role, storesContract } from './role-store.contract';

const suite = createTestRedisPrefix();

afterAll(async () => {
  await suite.cleanup();
});

storesContract('Redis stores', async () => {
  const stores = await redisStores({ url: REDIS_URL, keyPrefix: suite.prefix });
  return {
    stores,
    advance: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    close: () => stores.close(),
  };
});

describe(RedisKeySpace.name, () => {
  it('should keep every key under its tagged prefix, a generation in its slot', async () => {
    const scratch = createTestRedisPrefix();
    const prefix = scratch.prefix;
    const stores = await redisStores({ url: REDIS_URL, keyPrefix: prefix });
    const { generations, redis: connection } = stores;
    try {
      const lease = await stores.leases.acquire('sync', 'h', 60_000);
      if (!lease) throw new Error('lease not taken');
      const { generation } = await generations.beginGeneration('979', lease);
      await generations.writeGeneration(
        '979',
        generation,
        [role('a1', '10000001', Date.now(), { effectiveEndDate: '2099-01-01' })],
        lease,
        Date.now() - 1,
      );
      await generations.commitGeneration('979', generation, lease, {
        watermark: 'w',
        at: '2026-11-25T10:00:00.000Z',
        held: false,
        lastRun: {
          runId: 'r',
          mode: 'full',
          outcome: 'succeeded',
          added: 1,
          updated: 0,
          removed: 0,
          held: 0,
          durationMs: 1,
          finishedAt: '2026-11-25T10:00:00.000Z',
        },
      });
      const own = (await connection.redis.call('KEYS', `${prefix}*`)) as string[];
      expect(own.map((k) => k.slice(prefix.length)).sort()).toEqual(
        [
          'lease:sync',
          'lease:sync:fence',
          'sync:vpds',
          'sync:vpd:979:meta',
          'sync:vpd:979:gens',
          'sync:vpd:979:s0:rows',
          'sync:vpd:979:s0:aidx',
          'sync:vpd:979:s0:pend',
          'sync:vpd:979:s0:ends',
          'sync:vpd:979:s0:stat',
        ].sort(),
      );
      expect(await connection.redis.hgetall(`${prefix}sync:vpd:979:gens`)).toEqual({ [generation]: '0' });
      // A key named without the prefix would show up at the root.
      const root = [
        ...((await connection.redis.call('KEYS', 'sync:*')) as string[]),
        ...((await connection.redis.call('KEYS', 'lease:*')) as string[]),
      ];
      expect(root).toEqual([]);
    } finally {
      await stores.close();
      await scratch.cleanup();
    }
  });
});
