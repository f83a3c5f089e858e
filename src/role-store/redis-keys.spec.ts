import { FAMILY_SIZE, READ_KEYS_SIZE, RedisKeySpace, taggedPrefix } from './redis-keys';

/** The hash tag of a key, as Redis Cluster finds it (the first `{...}` with something inside). */
const hashTag = (key: string): string | null => {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : null;
};

describe(taggedPrefix.name, () => {
  it.each([
    ['esr-gateway:', '{esr-gateway}:'],
    ['gw:trust-a:', '{gw:trust-a}:'],
    ['gw', '{gw}'],
    ['', '{esr-gateway}:'],
    ['gw:{trust-a}:', 'gw:{trust-a}:'],
    ['{esr-gateway}:', '{esr-gateway}:'],
  ])('should tag the prefix %j as %j', (prefix, tagged) => {
    expect(taggedPrefix(prefix)).toBe(tagged);
  });
});

describe(RedisKeySpace.name, () => {
  const keys = new RedisKeySpace('gw:test:');

  it('should give every key of the gateway one hash tag, so every key is in one Cluster slot', () => {
    const all = [
      keys.vpds,
      keys.mirrorSeq,
      keys.mirrorNegatives,
      keys.vpdMeta('979'),
      keys.vpdStage('979', 's1'),
      keys.vpdSeen('979', 'dry-1'),
      ...keys.vpdFamily('979'),
      ...keys.vpdReadKeys('979'),
      keys.syncRun('r1'),
      keys.lease('sync'),
      keys.leaseFence('sync'),
      keys.rateWindow('search:k'),
      keys.mirrorEntry('user:1'),
    ];
    expect(new Set(all.map(hashTag))).toEqual(new Set(['gw:test']));
    expect(all.every((key) => key.startsWith('{gw:test}:'))).toBe(true);
  });

  it('should list a VPD family and its read keys in the sizes and order the Lua helpers read', () => {
    const family = keys.vpdFamily('979');
    expect(family).toHaveLength(FAMILY_SIZE);
    expect(family.slice(0, 3)).toEqual([keys.vpdMeta('979'), '{gw:test}:sync:vpd:979:gens', '{gw:test}:sync:vpd:979:held']);
    expect(family[3]).toBe(keys.generationPart('979', '0', 'rows'));
    expect(keys.vpdReadKeys('979')).toHaveLength(READ_KEYS_SIZE);
    expect(keys.vpdReadKeys('979')).toEqual([
      keys.vpdMeta('979'),
      family[1],
      keys.generationPart('979', '0', 'rows'),
      keys.generationPart('979', '1', 'rows'),
    ]);
  });

  it('should find the portal user of a mirror entry its SCAN pattern matches', () => {
    const full = keys.mirrorEntry('user:1');
    expect(keys.mirrorEntryPattern()).toBe('{gw:test}:map:c:*');
    expect(keys.mirrorUserOf(full)).toBe('user:1');
  });
});
