import { mappingCacheContract } from '../../test/access/mapping-cache.contract';
import { memoryStores } from '../role-store/stores';
import { MemoryMappingCache } from './memory-mapping-cache';

mappingCacheContract(MemoryMappingCache.name, async (negatives) => {
  const stores = memoryStores();
  return { mirror: new MemoryMappingCache(stores.reads, undefined, negatives), stores, close: () => stores.close() };
});

describe(MemoryMappingCache.name, () => {
  it('should bound its entries and never let a fill ticketed before an eviction store a stale list', async () => {
    const mirror = new MemoryMappingCache({ readAccess: async () => ({ vpds: new Map(), roles: new Map() }) }, 2);
    const ticket = async (user: string) => {
      const entry = (await mirror.read([user])).users.get(user);
      return entry?.kind === 'miss' ? entry.ticket : '';
    };
    const early = await ticket('late');
    const records = [{ vpd: '979', employeeNumber: '10000001', verified: true, esrStatus: null }];
    for (const user of ['a', 'b', 'c']) await mirror.fillAndRead([{ portalUserId: user, ticket: await ticket(user), records }], []);
    const { entries } = await mirror.scan('0', 10);
    expect(entries.map((e) => e.portalUserId)).toEqual(['b', 'c']);
    expect((await mirror.fillAndRead([{ portalUserId: 'late', ticket: early, records }], [])).filled).toBe(0);
  });
});
