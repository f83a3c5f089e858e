import { maskUrl } from './logging.module';

describe('maskUrl', () => {
  it('should mask the portal user id of every /users/ path and drop the query', () => {
    expect(maskUrl('/v1/users/hiran.mistry@nhs.net/esr-access?x=1')).toBe('/v1/users/:portalUserId/esr-access');
    expect(maskUrl('/v1/users/u1/esr-mappings/979/30581377')).toBe('/v1/users/:portalUserId/esr-mappings/979/30581377');
    expect(maskUrl('/v1/credential-searches')).toBe('/v1/credential-searches');
  });

  it('should mask ids in paths that matched no route too (another case, a typo)', () => {
    expect(maskUrl('/V1/USERS/john.smith@nhs.net/esr-access')).toBe('/V1/users/:portalUserId/esr-access');
    expect(maskUrl('/v1/user/jane.doe@nhs.net')).toBe('/v1/user/:redacted');
    expect(maskUrl('/v1/user/jane.doe%40nhs.net/esr-access')).toBe('/v1/user/:redacted/esr-access');
  });
});
