import { timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../../config/api-keys';
import { ApiKeyRing } from './api-key-ring';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
const compare = timingSafeEqual as jest.MockedFunction<typeof timingSafeEqual>;

const KEYS: ApiKey[] = [
  { id: 'portal1', secret: 'portal-secret-0001', scopes: ['portal'] },
  { id: 'ops1', secret: 'ops-secret-0001', scopes: ['ops'] },
  { id: 'both', secret: 'both-secret-00000001', scopes: ['portal', 'ops'] },
];

describe(ApiKeyRing.name, () => {
  const ring = new ApiKeyRing(KEYS);
  beforeEach(() => compare.mockClear());

  it('should answer the id and scopes of the key whose secret is presented, never the secret', () => {
    expect(ring.match('ops-secret-0001')).toEqual({ id: 'ops1', scopes: ['ops'] });
    expect(ring.match('both-secret-00000001')).toEqual({ id: 'both', scopes: ['portal', 'ops'] });
    expect(ring.match('portal-secret-0001')).not.toHaveProperty('secret');
  });

  it('should match no key for a wrong secret, a prefix or an extension of a right one, or the empty string', () => {
    for (const wrong of ['nope', 'ops-secret-000', 'ops-secret-00011', 'OPS-SECRET-0001', '', 'x'.repeat(512)])
      expect(ring.match(wrong)).toBeUndefined();
    expect(new ApiKeyRing([]).match('ops-secret-0001')).toBeUndefined();
  });

  it('should compare 32-byte digests against every key, whatever the length of the secret and whether it matches', () => {
    const presented = ['', 'a', 'ops-secret-000', 'x'.repeat(64), 'y'.repeat(512), 'portal-secret-0001', 'both-secret-00000001'];
    for (const secret of presented) ring.match(secret);
    expect(compare).toHaveBeenCalledTimes(presented.length * KEYS.length);
    for (const [a, b] of compare.mock.calls) {
      expect(a.byteLength).toBe(32);
      expect(b.byteLength).toBe(32);
    }
  });

  it('should find a configured key by its id', () => {
    expect(ring.byId('ops1')).toEqual({ id: 'ops1', scopes: ['ops'] });
    expect(ring.byId('gone')).toBeUndefined();
  });
});
