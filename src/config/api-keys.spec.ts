import { parseApiKeys } from './api-keys';

describe(parseApiKeys.name, () => {
  it('should read id:secret:scopes entries as unscoped keys (no vpds: every VPD)', () => {
    expect(parseApiKeys('portal1:portal-secret-0001:portal,both:both-secret-0001:portal+ops')).toEqual([
      { id: 'portal1', secret: 'portal-secret-0001', scopes: ['portal'] },
      { id: 'both', secret: 'both-secret-0001', scopes: ['portal', 'ops'] },
    ]);
  });

  it('should read a fourth part as the VPDs the key may act in, sorted and unique', () => {
    expect(parseApiKeys('trust-a:trust-a-secret-01:portal:979+806+979')).toEqual([
      { id: 'trust-a', secret: 'trust-a-secret-01', scopes: ['portal'], vpds: ['806', '979'] },
    ]);
    expect(parseApiKeys('ops-a:ops-a-secret-0001:ops:123')[0].vpds).toEqual(['123']);
  });

  it('should refuse a VPD that is not 3 digits with a sentence naming the entry and the VPD, never the secret', () => {
    for (const vpds of ['97', '9790', '97x', '', '979+', '979,806'.replace(',', '+x')]) {
      const attempt = () => parseApiKeys(`portal1:portal-secret-0001:portal,trust-a:trust-a-secret-01:portal:${vpds}`);
      expect(attempt).toThrow(/^entry 2 \(trust-a\) has VPD\(s\) that are not 3 digits: .*; write them as 979\+806$/);
      expect(attempt).not.toThrow(/trust-a-secret-01/);
    }
  });

  it('should refuse entries with more than four parts, and say which forms are allowed', () => {
    expect(() => parseApiKeys('trust-a:trust-a-secret-01:portal:979:806')).toThrow(
      'entry 1 must be id:secret:scopes or id:secret:scopes:vpds',
    );
    expect(() => parseApiKeys('trust-a:trust-a-secret-01')).toThrow('entry 1 must be id:secret:scopes or id:secret:scopes:vpds');
  });
});
