import { validateEnvironment } from './env.schema';
import { settingsFrom } from './settings/settings';
import { problemsOf } from '../../test/support/config-problems';

describe(validateEnvironment.name, () => {
  it('should accept an empty environment and apply the contract defaults', () => {
    const s = settingsFrom(validateEnvironment({}));
    expect(s.http.port).toBe(3000);
    expect(s.database.connection).toEqual({ kind: 'sqlite', path: './data/esr-gateway.sqlite' });
    expect(s.redis.url).toBeUndefined();
    expect(s.redis.keyPrefix).toBe('esr-gateway:');
    expect(s.esr.baseUrl).toBeUndefined();
    expect(s.esr.vpds).toBeUndefined();
    expect(s.esr.roleName).toBe('Digital Passport Administrator');
    expect(s.access.activationDelayMs).toBe(24 * 3600_000);
    expect(s.sync.intervalMs).toBe(5 * 60_000);
    expect(s.sync.fullSyncCron).toBe('30 2 * * *');
    expect(s.access.maxStalenessMs).toBe(26 * 3600_000);
    expect(s.sync.removalGuardPercent).toBe(20);
    expect(s.sync.removalGuardCount).toBeUndefined();
    expect(s.rates.searchPerUserPerMinute).toBe(30);
    expect(s.logging.level).toBe('info');
    expect(s.apiKeys.usesLocalKey).toBe(true);
    expect(s.esr.interactiveDeadlineMs).toBe(10_000);
    expect(s.esr.interactiveReservePercent).toBe(20);
  });

  it('should read typed values from the environment', () => {
    const s = settingsFrom(
      validateEnvironment({
        PORT: '8080',
        DATABASE_URL: 'postgres://u@db:5432/gw',
        ESR_BASE_URL: 'https://esr.example.nhs.uk/api',
        REDIS_URL: 'redis://cache:6379',
        API_KEYS: 'portal1:abcdefgh1-0123456:portal,ops1:abcdefgh2-0123456:ops+portal',
        ESR_CLIENT_SECRET: 'esr-client-secret-0001',
        AUDIT_HMAC_SECRET: '0123456789abcdef',
        ESR_VPDS: '979,123',
        ACTIVATION_DELAY: 'PT1H30M',
        SYNC_REMOVAL_GUARD_COUNT: '25',
        ESR_INTERACTIVE_DEADLINE: 'PT2.5S',
        ESR_INTERACTIVE_RESERVE: '0',
      }),
    );
    expect(s.esr.interactiveDeadlineMs).toBe(2500);
    expect(s.esr.interactiveReservePercent).toBe(0);
    expect(s.http.port).toBe(8080);
    expect(s.database.connection).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/gw', poolSize: 10 });
    expect(s.esr.vpds).toEqual(['979', '123']);
    expect(s.access.activationDelayMs).toBe(90 * 60_000);
    expect(s.sync.removalGuardCount).toBe(25);
    expect(s.apiKeys.keys.map((k) => [k.id, k.scopes])).toEqual([
      ['portal1', ['portal']],
      ['ops1', ['ops', 'portal']],
    ]);
  });

  it.each([
    ['PORT', 'eighty', 'PORT'],
    ['PORT', '70000', 'PORT'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL'],
    ['REDIS_URL', 'http://x', 'REDIS_URL'],
    ['ACTIVATION_DELAY', '24h', 'ACTIVATION_DELAY'],
    ['SYNC_INTERVAL', 'five minutes', 'SYNC_INTERVAL'],
    ['FULL_SYNC_CRON', 'at half two', 'FULL_SYNC_CRON'],
    ['ACCESS_MAX_STALENESS', 'P', 'ACCESS_MAX_STALENESS'],
    ['ESR_VPDS', '979,12', 'ESR_VPDS'],
    ['ESR_BASE_URL', 'not a url', 'ESR_BASE_URL'],
    ['SYNC_REMOVAL_GUARD_PERCENT', '150', 'SYNC_REMOVAL_GUARD_PERCENT'],
    ['SEARCH_RATE_LIMIT_PER_MINUTE', '0', 'SEARCH_RATE_LIMIT_PER_MINUTE'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL'],
    ['API_KEYS', 'portal1:short:portal', 'API_KEYS'],
    ['API_KEYS', 'portal1:longenough1:admin', 'API_KEYS'],
    ['API_KEYS', 'justone', 'API_KEYS'],
    ['REDIS_KEY_PREFIX', 'has space', 'REDIS_KEY_PREFIX'],
    ['REDIS_KEY_PREFIX', 'gw{:', 'REDIS_KEY_PREFIX'],
    ['REDIS_KEY_PREFIX', '{}gw:', 'REDIS_KEY_PREFIX'],
    ['REDIS_KEY_PREFIX', '{a}{b}:', 'REDIS_KEY_PREFIX'],
    ['REDIS_KEY_PREFIX', '{{gw}}:', 'REDIS_KEY_PREFIX'],
    ['SYNC_INTERVAL', 'PT0S', 'SYNC_INTERVAL'],
    ['SYNC_INTERVAL', 'P30D', 'SYNC_INTERVAL'],
    ['SYNC_LEASE_TTL', 'PT0S', 'SYNC_LEASE_TTL'],
    ['ESR_REQUEST_TIMEOUT', 'PT0S', 'ESR_REQUEST_TIMEOUT'],
    ['ESR_INTERACTIVE_DEADLINE', '10s', 'ESR_INTERACTIVE_DEADLINE'],
    ['ESR_INTERACTIVE_DEADLINE', 'PT0S', 'ESR_INTERACTIVE_DEADLINE'],
    ['ESR_INTERACTIVE_DEADLINE', 'PT1H', 'ESR_INTERACTIVE_DEADLINE'],
    ['ESR_INTERACTIVE_RESERVE', '95', 'ESR_INTERACTIVE_RESERVE'],
    ['ESR_INTERACTIVE_RESERVE', '-1', 'ESR_INTERACTIVE_RESERVE'],
    ['ESR_INTERACTIVE_RESERVE', '20%', 'ESR_INTERACTIVE_RESERVE'],
  ])('should reject %s=%j with a message naming %s', (name, value, named) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(named);
  });

  it.each(['{esr-gateway}:', 'gw:{trust-a}:', '{gw}', 'plain:'])(
    'should accept the Redis key prefix %j (one hash tag at most)',
    (prefix) => {
      expect(problemsOf({ REDIS_KEY_PREFIX: prefix })).toEqual([]);
    },
  );

  it('should accept keys restricted to VPDs, and refuse a VPD that is not 3 digits with a sentence naming it', () => {
    expect(problemsOf({ API_KEYS: 'trust-a:trust-a-secret-01:portal:979+806,ops1:ops-secret-0001:ops' })).toEqual([]);
    const problems = problemsOf({ API_KEYS: 'trust-a:trust-a-secret-01:portal:979+80' });
    expect(problems).toEqual([
      'API_KEYS is invalid: entry 1 (trust-a) has VPD(s) that are not 3 digits: "80"; write them as 979+806 ' +
        '(format id:secret:scope+scope[:vpd+vpd], comma-separated)',
    ]);
  });

  it('should never echo an API key secret in its error message', () => {
    const problems = problemsOf({ API_KEYS: 'portal1:topsecretvalue:nosuchscope' });
    expect(problems[0]).toContain('API_KEYS');
    expect(problems[0]).not.toContain('topsecretvalue');
  });

  it('should refuse DATABASE_URL without API_KEYS and AUDIT_HMAC_SECRET', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://u@db/gw' });
    expect(problems.some((p) => p.startsWith('API_KEYS'))).toBe(true);
    expect(problems.some((p) => p.startsWith('AUDIT_HMAC_SECRET'))).toBe(true);
  });

  it('should report every bad variable at once in one readable message', () => {
    expect(() => validateEnvironment({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(/PORT[\s\S]*LOG_LEVEL|LOG_LEVEL[\s\S]*PORT/);
  });
});
