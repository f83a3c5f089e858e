import { ConfigValidationError, validateEnvironment } from './env.schema';
import { RedisSettings } from './settings/redis.settings';

const DEPLOYED = {
  DATABASE_URL: 'postgres://u@db:5432/gw',
  ESR_BASE_URL: 'https://esr.example.nhs.uk/api',
  API_KEYS: 'portal1:portal-secret-0001:portal',
  ESR_CLIENT_SECRET: 'esr-client-secret-0001',
  AUDIT_HMAC_SECRET: '0123456789abcdef0123',
};

/** The problems validateEnvironment reports for these variables (none: []). */
function problems(variables: Record<string, string>): string[] {
  try {
    validateEnvironment({ ...DEPLOYED, ...variables });
    return [];
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
}

const redis = (variables: Record<string, string>) => new RedisSettings(validateEnvironment({ ...DEPLOYED, ...variables }));

describe('Redis topology settings', () => {
  it('should accept each topology on its own', () => {
    expect(problems({ REDIS_URL: 'rediss://cache:6380' })).toEqual([]);
    expect(problems({ REDIS_SENTINELS: 's1:26379,s2:26379,s3:26379', REDIS_SENTINEL_NAME: 'gw' })).toEqual([]);
    expect(problems({ REDIS_CLUSTER_NODES: 'n1:6379,n2:6379' })).toEqual([]);
  });

  it('should refuse two topologies at once, naming both variables', () => {
    expect(problems({ REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER_NODES: 'n1:6379' })).toEqual([
      'REDIS_URL, REDIS_CLUSTER_NODES: set only one Redis topology (standalone, Sentinel or Cluster)',
    ]);
  });

  it('should refuse Sentinel without the primary name, and Sentinel settings without Sentinel', () => {
    expect(problems({ REDIS_SENTINELS: 's1:26379' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_NAME: must be set with REDIS_SENTINELS/),
    ]);
    expect(problems({ REDIS_URL: 'redis://c:6379', REDIS_SENTINEL_NAME: 'gw', REDIS_SENTINEL_PASSWORD: 'x' })).toEqual([
      'REDIS_SENTINEL_NAME: is only used with REDIS_SENTINELS',
      'REDIS_SENTINEL_PASSWORD: is only used with REDIS_SENTINELS',
    ]);
  });

  it('should refuse a malformed host:port list naming the variable', () => {
    expect(problems({ REDIS_CLUSTER_NODES: 'n1:6379,n2' })).toEqual(['REDIS_CLUSTER_NODES must be a host:port list']);
    expect(problems({ REDIS_SENTINELS: 'redis://s1:26379', REDIS_SENTINEL_NAME: 'gw' })).toEqual([
      'REDIS_SENTINELS must be a host:port list',
    ]);
  });

  it('should refuse Redis settings without a topology, a client certificate without its key, and TLS files with redis://', () => {
    expect(problems({ REDIS_PASSWORD: 'pw' })).toEqual([
      'REDIS_PASSWORD: need a Redis topology (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES)',
    ]);
    expect(problems({ REDIS_URL: 'rediss://c:6380', REDIS_TLS_CERT_FILE: __filename })).toEqual([
      'REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE: set both (the client certificate and its key) or neither',
    ]);
    expect(problems({ REDIS_URL: 'redis://c:6379', REDIS_TLS_CA_FILE: __filename })).toEqual([
      'REDIS_TLS_CA_FILE: TLS settings need a rediss:// REDIS_URL',
    ]);
  });

  it('should turn TLS on with rediss://, and for Sentinel and Cluster when a REDIS_TLS_* variable is set', () => {
    expect(redis({ REDIS_URL: 'redis://c:6379' }).tls).toBeUndefined();
    expect(redis({ REDIS_URL: 'rediss://c:6380' }).tls).toEqual({});
    expect(redis({ REDIS_CLUSTER_NODES: 'n1:6379' }).tls).toBeUndefined();
    expect(redis({ REDIS_CLUSTER_NODES: 'n1:6379', REDIS_TLS_SERVERNAME: 'cache' }).tls).toEqual({ servername: 'cache' });
    expect(redis({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'gw', REDIS_TLS_CA_FILE: __filename }).tls?.ca).toContain('REDIS_TLS');
  });

  it('should stop the start naming the variable when a TLS file cannot be read', () => {
    expect(() => redis({ REDIS_URL: 'rediss://c:6380', REDIS_TLS_CA_FILE: '/nonexistent/ca.crt' })).toThrow(
      new ConfigValidationError(['REDIS_TLS_CA_FILE: cannot read /nonexistent/ca.crt (ENOENT)']),
    );
  });

  it('should wait for one replica on lease writes under Sentinel and for none otherwise, unless REDIS_LEASE_REPLICAS says', () => {
    expect(redis({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'gw' }).leaseReplicas).toBe(1);
    expect(redis({ REDIS_URL: 'redis://c:6379' }).leaseReplicas).toBe(0);
    expect(redis({ REDIS_CLUSTER_NODES: 'n1:6379' }).leaseReplicas).toBe(0);
    expect(redis({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'gw', REDIS_LEASE_REPLICAS: '2' }).leaseReplicas).toBe(2);
    expect(problems({ REDIS_URL: 'redis://c:6379', REDIS_LEASE_REPLICAS: '9' })).toEqual([expect.stringMatching(/^REDIS_LEASE_REPLICAS/)]);
  });

  it('should use the in-process store when no topology is set', () => {
    expect(redis({}).enabled).toBe(false);
    expect(redis({ REDIS_URL: 'redis://c:6379' }).topology).toEqual({ kind: 'standalone', url: 'redis://c:6379' });
  });
});
