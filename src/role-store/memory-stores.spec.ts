import { FakeClock } from '../common/clock/clock';
import { cacheStoreContract } from './cache.store.contract';
import { MemoryCacheStore } from './memory-cache.store';

cacheStoreContract(MemoryCacheStore.name, async () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:00:00Z'));
  const store = new MemoryCacheStore(clock);
  return {
    store,
    advance: async (ms: number) => clock.advance(ms),
    now: () => clock.nowMs(),
    close: () => store.close(),
  };
});

describe(MemoryCacheStore.name, () => {
  it('should fail ping once closed', async () => {
    const store = new MemoryCacheStore(new FakeClock());
    await store.close();
    await expect(store.ping()).rejects.toThrow('closed');
  });
});
