import { FakeClock } from '../common/clock/clock';
import { storesContract } from '../../test/role-store/role-store.contract';
import { MemoryStoreHealth } from './store-health';
import { memoryStores } from './stores';

storesContract('in-process stores', async () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:00:00Z'));
  const stores = memoryStores(clock);
  return {
    stores,
    advance: async (ms: number) => clock.advance(ms),
    now: () => clock.nowMs(),
    close: () => stores.close(),
  };
});

describe(MemoryStoreHealth.name, () => {
  it('should fail ping once closed', async () => {
    const stores = memoryStores(new FakeClock());
    await stores.close();
    await expect(stores.health.ping()).rejects.toThrow('closed');
  });
});
