import Redis, { Cluster } from 'ioredis';
import { createRedisClient } from './redis-client.factory';
import { redisStartupFailure } from './redis-startup-check';

const TLS = { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', servername: 'cache.trust.nhs.uk' };

describe(createRedisClient.name, () => {
  const clients: Array<Redis | Cluster> = [];
  afterEach(() => clients.splice(0).forEach((client) => client.disconnect()));
  const create = (...args: Parameters<typeof createRedisClient>) => {
    const client = createRedisClient(...args);
    clients.push(client);
    return client;
  };

  it('should build a lazy standalone client without an offline queue, TLS from the settings', () => {
    const client = create({ topology: { kind: 'standalone', url: 'rediss://:pw@cache:6380' }, tls: TLS }) as Redis;
    expect(client).toBeInstanceOf(Redis);
    expect(client.status).toBe('wait');
    expect(client.options).toMatchObject({
      host: 'cache',
      port: 6380,
      password: 'pw',
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    expect(client.options.tls).toMatchObject(TLS);
    expect(client.options.keyPrefix ?? '').toBe(''); // RedisKeySpace names every key in full
  });

  it('should ask the sentinels for the primary, with both passwords and TLS to the sentinels too', () => {
    const client = create({
      topology: { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }], name: 'gw' },
      password: 'data',
      sentinelPassword: 'sentinel',
      tls: TLS,
    }) as Redis;
    expect(client.options).toMatchObject({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'gw',
      password: 'data',
      sentinelPassword: 'sentinel',
    });
    expect(client.options).toMatchObject({ enableTLSForSentinelMode: true, sentinelTLS: TLS, tls: TLS, enableOfflineQueue: false });
    expect(client.options.natMap ?? null).toBeNull();
  });

  it('should build a Cluster client on the seed nodes, the password and TLS on every node', () => {
    const client = create({
      topology: { kind: 'cluster', nodes: [{ host: 'n1', port: 6379 }] },
      username: 'gateway',
      password: 'pw',
      tls: TLS,
    }) as Cluster;
    expect(client).toBeInstanceOf(Cluster);
    expect(client.options).toMatchObject({ enableOfflineQueue: false, lazyConnect: true, scaleReads: 'master' });
    expect(client.options.keyPrefix ?? '').toBe('');
    expect(client.options.redisOptions).toMatchObject({ username: 'gateway', password: 'pw', tls: TLS });
  });
});

describe(redisStartupFailure.name, () => {
  const context = { topology: { kind: 'standalone' as const, url: 'rediss://cache:6380' }, tls: {}, tlsSource: 'REDIS_TLS_CA_FILE' };

  it('should name REDIS_TLS_CA_FILE when the certificate is not trusted', () => {
    expect(redisStartupFailure(Object.assign(new Error('x'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), context)).toBe(
      "Redis TLS verification failed: the server's certificate is not signed by REDIS_TLS_CA_FILE (SELF_SIGNED_CERT_IN_CHAIN).",
    );
  });

  it('should name the password settings when Redis refuses the credentials', () => {
    expect(redisStartupFailure(new Error('WRONGPASS invalid username-password pair or user is disabled.'), context)).toMatch(
      /REDIS_PASSWORD/,
    );
  });

  it('should leave an unreachable Redis to readiness', () => {
    expect(redisStartupFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), context)).toBeNull();
  });
});
