import { Cluster } from 'ioredis';
import { MappingCache } from '../../src/mapping-cache/mapping-cache';
import { RedisMappingCache } from '../../src/mapping-cache/redis-mapping-cache';
import { FakeClock } from '../../src/common/clock/clock';
import { RedisConnection, redisClientOptions } from '../../src/role-store/redis-connection';
import { RedisKeySpace } from '../../src/role-store/redis-keys';
import { STORES } from '../../src/role-store/role-store.module';
import { redisStores } from '../../src/role-store/stores';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { mappingCacheContract, syncRole } from '../access/mapping-cache.contract';
import { startCluster, TestCluster } from '../support/servers';
import { PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';
import { storesContract } from './role-store.contract';

/**
 * The Redis stores and the mapping mirror on a Redis Cluster of three primaries: the whole role-store
 * and mapping-mirror contracts, and one gateway answering access questions, each on prefixes of
 * their own (so their slots, and the primaries holding them, differ). One Cluster for the file.
 */
let cluster: TestCluster;
let sequence = 0;

beforeAll(async () => {
  cluster = await startCluster({ primaries: 3 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const clusterClient = (): Cluster =>
  new Cluster(cluster.startupNodes, { lazyConnect: true, enableOfflineQueue: false, redisOptions: redisClientOptions() });

/** A connection to the Cluster under a prefix of its own. */
const clusterConnection = (prefix = `gw-cluster:${Date.now().toString(36)}:${sequence++}:`): RedisConnection =>
  new RedisConnection(clusterClient(), new RedisKeySpace(prefix));

storesContract('Redis stores on a Cluster', async () => {
  const stores = await redisStores(clusterConnection());
  return {
    stores,
    advance: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    close: () => stores.close(),
  };
});

mappingCacheContract(`${RedisMappingCache.name} on a Cluster`, async (negatives) => {
  const stores = await redisStores(clusterConnection());
  return { mirror: new RedisMappingCache(stores.redis, negatives), stores, close: () => stores.close() };
});

describe('RedisConnection on a Cluster', () => {
  it('should keep every key of one gateway in one slot, and find mirror entries on whichever primary holds it', async () => {
    const stores = await redisStores(clusterConnection());
    const { redis, keys } = stores.redis;
    try {
      await syncRole(stores, '979', '10000001');
      const mirror = new RedisMappingCache(stores.redis);
      const token = await mirror.hold(['u1', 'u2'], Date.now());
      await mirror.release(['u1', 'u2'], token);
      const slots = new Set<number>();
      for (const primary of (redis as Cluster).nodes('master')) {
        const [, found] = await primary.scan('0', 'MATCH', `${keys.prefix.replace(/[{}]/g, '?')}*`, 'COUNT', 1000);
        for (const key of found) slots.add(Number(await primary.call('CLUSTER', 'KEYSLOT', key)));
      }
      expect(slots.size).toBe(1);
      const found: string[] = [];
      let cursor = '0';
      do {
        const page = await stores.redis.scanKeys(cursor, keys.mirrorEntryPattern(), 10);
        found.push(...page.keys);
        cursor = page.cursor;
      } while (cursor !== '0');
      expect(found.map((key) => keys.mirrorUserOf(key)).sort()).toEqual(['u1', 'u2']);
      await expect(stores.health.ping()).resolves.toBeUndefined();
    } finally {
      await stores.close();
    }
  });

  it('should refuse a client that adds a key prefix of its own', () => {
    const client = new Cluster(cluster.startupNodes, { lazyConnect: true, keyPrefix: 'gw:' });
    expect(() => new RedisConnection(client, new RedisKeySpace('gw:'))).toThrow(/keyPrefix/);
    client.disconnect();
  });
});

describe('Access API with its stores on a Cluster (PostgreSQL, Redis Cluster, ESR sandbox)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@nhs.net' };
  let sandbox: RunningSandbox;
  let t: TestApp;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_MAX_ATTEMPTS: '1', ESR_VPDS: '979' }, clock, {
      override: (builder) =>
        builder
          .overrideProvider(STORES)
          .useFactory({ factory: () => redisStores(clusterConnection(`gw-app:${Date.now().toString(36)}:`)) }),
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  afterEach(() => jest.restoreAllMocks());

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);
  const access = (user: string) => inject({ method: 'GET', url: `/v1/users/${user}/esr-access`, headers: portal });
  const map = async (user: string, employeeNumber: string) => {
    const res = await inject({
      method: 'POST',
      url: `/v1/users/${user}/esr-mappings`,
      headers: portal,
      payload: { vpd: '979', employeeNumber },
    });
    expect(res.statusCode).toBe(201);
  };
  const fullSync = async () =>
    expect(await t.app.get(RunCoordinator).runSync({ mode: 'full', vpd: '979' })).toMatchObject({ status: 'succeeded' });

  it('should run on the Cluster the app was handed', () => {
    expect(t.app.get(RedisConnection).redis).toBeInstanceOf(Cluster);
  });

  it('should answer access from the synced roles, warm reads in ONE round trip, and follow an end date set in ESR', async () => {
    const holder = sandbox.admin.findPersonWithoutRole('979', 0).employeeNumber;
    const assignment = sandbox.admin.assignRole('979', holder, { createdAt: new Date(clock.nowMs() - 48 * 3_600_000) });
    const other = sandbox.admin.findPersonWithoutRole('979', 1).employeeNumber;
    await fullSync();
    await map('cluster.a', holder);
    await map('cluster.b', other);

    const cold = await access('cluster.a');
    expect(cold.statusCode).toBe(200);
    expect(cold.json()).toMatchObject({ searchEnabled: true, enabledVpds: ['979'] });
    expect(cold.json().mappings[0]).toMatchObject({ vpd: '979', employeeNumber: holder, state: 'ACTIVE' });

    const commands = jest.spyOn(t.app.get(RedisConnection).redis, 'sendCommand');
    const warm = await access('cluster.a');
    expect(warm.json()).toEqual(cold.json());
    expect(commands.mock.calls.map(([command]) => (command as { name: string }).name)).toEqual(['evalsha']);
    commands.mockRestore();

    const none = (await access('cluster.b')).json();
    expect(none).toMatchObject({ searchEnabled: false, enabledVpds: [] });
    expect(none.mappings[0].state).not.toBe('ACTIVE');

    // A second full sync builds the next generation in the other slot and switches to it.
    sandbox.admin.endDateRole(assignment.assignmentId, '2026-11-24');
    await fullSync();
    expect((await access('cluster.a')).json()).toMatchObject({ searchEnabled: false, enabledVpds: [] });
  });

  it('should list the mirrored users through a SCAN of every primary', async () => {
    const mirror = t.app.get(MappingCache);
    const users: string[] = [];
    let cursor = '0';
    do {
      const page = await mirror.scan(cursor, 50);
      users.push(...page.entries.map((entry) => entry.portalUserId));
      cursor = page.cursor;
    } while (cursor !== '0');
    expect(users.sort()).toEqual(['cluster.a', 'cluster.b']);
  });
});
