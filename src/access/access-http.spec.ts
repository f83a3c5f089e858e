import { accessCacheControl, accessEtag, matchesIfNoneMatch } from './access-http';
import type { UserAccess } from '../domain/access.types';

const access = (over: Partial<UserAccess> = {}): UserAccess => ({
  portalUserId: 'u',
  searchEnabled: false,
  enabledVpds: [],
  asOf: '2026-11-25T10:00:00.000Z',
  nextChangeAt: null,
  mappings: [],
  ...over,
});

describe(accessEtag.name, () => {
  it('should ignore asOf, also inside batch items', () => {
    expect(accessEtag(access())).toBe(accessEtag(access({ asOf: '2026-11-25T11:00:00.000Z' })));
    expect(accessEtag({ items: [access()] })).toBe(accessEtag({ items: [access({ asOf: '2030-01-01T00:00:00.000Z' })] }));
  });

  it('should change when anything else changes', () => {
    expect(accessEtag(access())).not.toBe(accessEtag(access({ searchEnabled: true })));
  });

  it('should be a weak validator', () => {
    expect(accessEtag(access())).toMatch(/^W\/"[A-Za-z0-9_-]{32}"$/);
  });
});

describe(matchesIfNoneMatch.name, () => {
  const etag = 'W/"abc"';

  it.each([
    ['W/"abc"', true],
    ['"abc"', true],
    ['"x", W/"abc"', true],
    ['*', true],
    ['"abd"', false],
    [undefined, false],
    ['', false],
  ])('should treat If-None-Match %p as %p', (header, expected) => {
    expect(matchesIfNoneMatch(header, etag)).toBe(expected);
  });
});

describe(accessCacheControl.name, () => {
  const now = Date.parse('2026-11-25T10:00:00Z');

  it('should cap max-age at 60 seconds', () => {
    expect(accessCacheControl(null, now)).toBe('private, max-age=60');
    expect(accessCacheControl(now + 3_600_000, now)).toBe('private, max-age=60');
  });

  it('should never reach past the next change', () => {
    expect(accessCacheControl(now + 12_500, now)).toBe('private, max-age=12');
    expect(accessCacheControl(now + 500, now)).toBe('private, max-age=0');
    expect(accessCacheControl(now - 1000, now)).toBe('private, max-age=0');
  });
});
