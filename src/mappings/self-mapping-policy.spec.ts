import { isSelfMapping, refuseSelfMapping, SELF_MAPPING_REFUSED } from './self-mapping-policy';

describe('self-mapping policy', () => {
  it.each([
    { acting: 'lsa@nhs.net', subject: 'lsa@nhs.net', allowed: false, refused: true },
    { acting: 'lsa@nhs.net', subject: 'lsa@nhs.net', allowed: true, refused: false },
    { acting: 'lsa@nhs.net', subject: 'hr@nhs.net', allowed: false, refused: false },
    { acting: 'lsa@nhs.net', subject: 'hr@nhs.net', allowed: true, refused: false },
  ])('should refuse=$refused when $acting maps $subject with self-service $allowed', ({ acting, subject, allowed, refused }) => {
    expect(refuseSelfMapping({ selfServiceAllowed: allowed }, acting, subject)).toBe(refused ? SELF_MAPPING_REFUSED : undefined);
  });

  it('should compare ids in their canonical form (portal ids are case-insensitive)', () => {
    expect(isSelfMapping('LSA@nhs.net', 'lsa@nhs.net')).toBe(true);
    expect(isSelfMapping('lsa.two@trust.nhs.uk', 'LSA.Two@trust.nhs.uk')).toBe(true);
    expect(isSelfMapping('lsa@nhs.net', 'lsa2@nhs.net')).toBe(false);
  });
});
