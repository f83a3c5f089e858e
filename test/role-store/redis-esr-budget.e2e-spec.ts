import { RedisConnection } from '../../src/role-store/redis-connection';
import { RedisEsrBudget } from '../../src/role-store/redis-esr-budget';
import { createTestRedisPrefix, REDIS_URL } from '../support/test-env';
import { CONTRACT_RULE, esrBudgetContract, takeAll } from './esr-budget.contract';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A Redis connection under a fresh key prefix, and how to remove it all. */
async function connected(prefix = createTestRedisPrefix()) {
  const connection = RedisConnection.fromOptions({ url: REDIS_URL, keyPrefix: prefix.prefix });
  await connection.connect();
  return { connection, prefix, close: async () => (await connection.close(), await prefix.cleanup()) };
}

esrBudgetContract(RedisEsrBudget.name, async () => {
  const { connection, close } = await connected();
  return { budget: new RedisEsrBudget(connection), advance: sleep, close };
});

describe(`${RedisEsrBudget.name} shared by several replicas`, () => {
  it('should give every replica on one Redis one window, in one round trip per take', async () => {
    const prefix = createTestRedisPrefix();
    const a = await connected(prefix);
    const b = await connected(prefix);
    try {
      const podA = new RedisEsrBudget(a.connection);
      const podB = new RedisEsrBudget(b.connection);
      const scripts = jest.spyOn(b.connection.redis, 'takeEsrBudget');
      await takeAll(podA, 3, 'interactive');
      await takeAll(podB, 2, 'interactive');
      await expect(podB.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: false, used: 5, source: 'shared' });
      await expect(podA.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: false, used: 5 });
      expect(scripts).toHaveBeenCalledTimes(3);
      const [key] = (await a.connection.redis.call('KEYS', `${prefix.prefix}*`)) as string[];
      expect(key).toBe(a.connection.keys.esrBudget()); // RedisKeySpace names keys in full, under the prefix
      expect(key.startsWith(prefix.prefix)).toBe(true);
      expect(await a.connection.redis.pttl(a.connection.keys.esrBudget())).toBeGreaterThan(0);
    } finally {
      await a.connection.close();
      await b.close();
    }
  });

  it('should tell the shared window, once Redis is back, about the places it took while Redis was away', async () => {
    const prefix = createTestRedisPrefix();
    const a = await connected(prefix);
    const b = await connected(prefix);
    try {
      const podA = new RedisEsrBudget(a.connection);
      const podB = new RedisEsrBudget(b.connection);
      jest.spyOn(a.connection.redis, 'takeEsrBudget').mockRejectedValueOnce(new Error('Connection is closed.'));
      await expect(podA.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: false, source: 'fallback' });
      await sleep(2 * CONTRACT_RULE.windowMs + 50);
      await takeAll(podA, 2, 'interactive'); // its share: 5 / 2 replicas
      await expect(podA.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: false, source: 'fallback' });
      await sleep(1000 - 2 * CONTRACT_RULE.windowMs); // Redis is tried again a second after it failed
      await expect(podA.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: true, used: 3, source: 'shared' });
      await takeAll(podB, 2, 'interactive');
      await expect(podB.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: false, used: 5 });
    } finally {
      await a.connection.close();
      await b.close();
    }
  });

  it('should keep to a conservative share of its own while Redis is away: nothing for two windows, then limit / replicas', async () => {
    const connection = RedisConnection.fromOptions({ url: 'redis://127.0.0.1:1', keyPrefix: 'esr-gw-test:away:', commandTimeoutMs: 100 });
    await connection.connect();
    try {
      const budget = new RedisEsrBudget(connection);
      const first = await budget.take('interactive', CONTRACT_RULE);
      expect(first).toMatchObject({ granted: false, source: 'fallback' });
      if (first.granted) return;
      expect(first.retryInMs).toBeGreaterThan(CONTRACT_RULE.windowMs);
      expect(first.retryInMs).toBeLessThanOrEqual(2 * CONTRACT_RULE.windowMs);
      await sleep(first.retryInMs + 20);
      // 5 / 2 replicas: 2 places for interactive calls, 1 of them for the sync.
      await expect(budget.take('sync', CONTRACT_RULE)).resolves.toMatchObject({ granted: true, source: 'fallback' });
      await expect(budget.take('sync', CONTRACT_RULE)).resolves.toMatchObject({ granted: false, source: 'fallback' });
      await expect(budget.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: true, used: 2 });
      await expect(budget.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: false });
    } finally {
      await connection.close();
    }
  });
});
