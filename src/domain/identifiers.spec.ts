import { canonicalPortalUserId, PORTAL_USER_ID, toCanonicalPortalUserId } from './identifiers';

describe(canonicalPortalUserId.name, () => {
  it('should give the one lower-case form of an id in any case', () => {
    expect(canonicalPortalUserId('Hiran.Mistry@Trust.NHS.uk')).toBe('hiran.mistry@trust.nhs.uk');
    expect(canonicalPortalUserId('lsa.two@trust.nhs.uk')).toBe('lsa.two@trust.nhs.uk');
  });

  it('should keep a valid id valid', () => {
    for (const id of ['A', 'Z9._@-', 'X'.repeat(128)]) expect(PORTAL_USER_ID.test(canonicalPortalUserId(id))).toBe(true);
  });
});

describe('toCanonicalPortalUserId (the DTO transform)', () => {
  it('should canonicalise strings and lists of strings, and leave anything else for validation to name', () => {
    expect(toCanonicalPortalUserId({ value: 'LSA.One@x' })).toBe('lsa.one@x');
    expect(toCanonicalPortalUserId({ value: ['A@x', 'b@X', 7] })).toEqual(['a@x', 'b@x', 7]);
    expect(toCanonicalPortalUserId({ value: 42 })).toBe(42);
    expect(toCanonicalPortalUserId({ value: undefined })).toBeUndefined();
  });
});
