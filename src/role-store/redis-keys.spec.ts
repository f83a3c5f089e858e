import { RedisKeySpace } from './redis-keys';

describe(RedisKeySpace.name, () => {
  const keys = new RedisKeySpace('gw:test:');

  it('should give scripts deriving keys from the layout the names vpdBase and vpdMeta make', () => {
    const [baseBefore, baseAfter, metaBefore, metaAfter] = keys.vpdLayout();
    expect(`${baseBefore}979${baseAfter}`).toBe(keys.vpdBase('979'));
    expect(`${metaBefore}979${metaAfter}`).toBe(`${keys.prefix}${keys.vpdMeta('979')}`);
  });

  it('should make every part of a VPD start with its base (less the prefix the connection adds)', () => {
    const base = keys.vpdBase('979').slice(keys.prefix.length);
    for (const key of [keys.vpdMeta('979'), keys.vpdStage('979', 's1'), keys.generationPart('979', '3', 'aidx')]) {
      expect(key.startsWith(base)).toBe(true);
    }
  });

  it('should find the portal user of a mirror entry its SCAN pattern matches', () => {
    const full = `${keys.prefix}${keys.mirrorEntry('user:1')}`;
    expect(full.startsWith(keys.mirrorEntryPattern().slice(0, -1))).toBe(true);
    expect(keys.mirrorUserOf(full)).toBe('user:1');
  });
});
