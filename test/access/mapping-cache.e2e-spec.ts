import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { MappingCache } from '../../src/mapping-cache/mapping-cache';
import { MappingCacheCheck, STALE_HOLD_MS } from '../../src/mappings/mapping-cache-check';
import { FakeClock } from '../../src/common/clock/clock';
import { EsrMapping } from '../../src/database/esr-mapping.entity';
import { MetricsService } from '../../src/metrics/metrics.service';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { TcpProxy } from '../support/tcp-proxy';
import { PORTAL_KEY, REDIS_URL, startTestApp, TestApp } from '../support/test-env';

const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@nhs.net' };
const H = 3_600_000;

/**
 * The mapping mirror's invariants with TWO gateway instances on one PostgreSQL database and one
 * Redis prefix: A reaches Redis through a TCP proxy the tests can cut, B directly.
 */
describe('Mapping mirror with two instances (PostgreSQL, Redis)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  let sandbox: RunningSandbox;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  const holders: string[] = [];
  let next = 0;
  /** An employee number in VPD 979 whose role has been effective for a day (ACTIVE once mapped). */
  const holder = () => holders[next++];
  /** A second VPD (one portal account maps to one person per VPD), and the n-th role holder in it. */
  let second = '';
  const secondHolder = (n: number) => sandbox.admin.findRoleHolder(second, n).employeeNumber;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    proxy = await TcpProxy.forUrl(REDIS_URL).start();
    second = sandbox.admin.vpds().find((v) => v.vpd !== '979')!.vpd;
    const env = { ESR_BASE_URL: sandbox.url, ESR_MAX_ATTEMPTS: '1', ESR_VPDS: `979,${second}` };
    a = await startTestApp({ ...env, REDIS_URL: proxy.redisUrl }, clock);
    b = await startTestApp(env, clock, { shareStoresWith: a });
    redis = new Redis(REDIS_URL, { keyPrefix: a.redisPrefix });
    for (let n = 0; n < 20; n++) {
      const { employeeNumber } = sandbox.admin.findPersonWithoutRole('979', 0);
      sandbox.admin.assignRole('979', employeeNumber, { createdAt: new Date(clock.nowMs() - 48 * H) });
      holders.push(employeeNumber);
    }
    await expect(a.app.get(RunCoordinator).runSync({ mode: 'full', vpd: '979' })).resolves.toMatchObject({ status: 'succeeded' });
  }, 60_000);

  afterAll(async () => {
    redis?.disconnect();
    await b?.close();
    await a?.close();
    await proxy?.close();
    await sandbox?.close();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await proxy.restore();
  });

  const access = async (t: TestApp, user: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/users/${user}/esr-access`, headers: portal });
    expect(res.statusCode).toBe(200);
    return res.json<{ searchEnabled: boolean; mappings: Array<{ employeeNumber: string; state: string }> }>();
  };
  const mapped = async (t: TestApp, user: string) => (await access(t, user)).mappings.map((m) => m.employeeNumber);
  const create = (t: TestApp, user: string, employeeNumber: string, vpd = '979') => {
    clock.advance(1000); // mappings list oldest first
    return t.app.inject({
      method: 'POST',
      url: `/v1/users/${user}/esr-mappings`,
      headers: portal,
      payload: { vpd, employeeNumber },
    });
  };
  const remove = (t: TestApp, user: string, employeeNumber: string, vpd = '979') =>
    t.app.inject({ method: 'DELETE', url: `/v1/users/${user}/esr-mappings/${vpd}/${employeeNumber}`, headers: portal });
  const dbRows = async (user: string) =>
    (
      await a.app
        .get(DataSource)
        .query<Array<{ employee_number: string }>>('SELECT employee_number FROM esr_mappings WHERE portal_user_id = $1', [user])
    ).map((r) => r.employee_number);
  const waitForRedis = async (t: TestApp) => {
    for (let i = 0; i < 100 && (await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode !== 200; i++)
      await new Promise((r) => setTimeout(r, 100));
  };

  it('should show a mapping created through one instance on the other as soon as the POST returns', async () => {
    const emp = holder();
    expect(await access(b, 'created.user')).toMatchObject({ searchEnabled: false, mappings: [] }); // B has cached "no mappings"
    expect(await access(a, 'created.user')).toMatchObject({ searchEnabled: false });
    expect((await create(a, 'created.user', emp)).statusCode).toBe(201);
    expect(await access(b, 'created.user')).toMatchObject({ searchEnabled: true, mappings: [{ employeeNumber: emp, state: 'ACTIVE' }] });
    expect(await access(a, 'created.user')).toMatchObject({ searchEnabled: true });
  });

  it('should grant access through a deleted mapping on no instance once the DELETE returns', async () => {
    const [one, two] = [holder(), secondHolder(0)];
    await create(b, 'deleted.user', one);
    await create(b, 'deleted.user', two, second);
    for (const t of [a, b]) expect(await mapped(t, 'deleted.user')).toEqual([one, two]); // cached on both
    expect((await remove(a, 'deleted.user', one)).statusCode).toBe(204);
    for (const t of [b, a]) expect(await mapped(t, 'deleted.user')).toEqual([two]);
    expect((await remove(b, 'deleted.user', two, second)).statusCode).toBe(204);
    for (const t of [a, b]) expect(await access(t, 'deleted.user')).toMatchObject({ searchEnabled: false, mappings: [] });
  });

  it("should grant access through none of an account's mappings on any instance once the bulk DELETE returns", async () => {
    const [one, two] = [holder(), secondHolder(1)];
    await create(a, 'removed.account', one);
    await create(a, 'removed.account', two, second);
    for (const t of [a, b]) expect(await mapped(t, 'removed.account')).toEqual([one, two]); // cached on both
    const res = await b.app.inject({ method: 'DELETE', url: '/v1/users/removed.account/esr-mappings', headers: portal });
    expect(res.json()).toEqual({ deleted: 2 });
    for (const t of [a, b]) expect(await access(t, 'removed.account')).toMatchObject({ searchEnabled: false, mappings: [] });
  });

  it('should answer 503 and delete nothing when the cache fails during a bulk delete', async () => {
    const emp = holder();
    await create(a, 'bulk.fault', emp);
    expect(await mapped(b, 'bulk.fault')).toEqual([emp]);
    await proxy.cut('reset');
    const res = await a.app.inject({ method: 'DELETE', url: '/v1/users/bulk.fault/esr-mappings', headers: portal });
    expect(res.statusCode).toBe(503);
    await expect(dbRows('bulk.fault')).resolves.toEqual([emp]);
    await proxy.restore();
    await waitForRedis(a);
    expect((await a.app.inject({ method: 'DELETE', url: '/v1/users/bulk.fault/esr-mappings', headers: portal })).json()).toEqual({
      deleted: 1,
    });
    expect(await mapped(b, 'bulk.fault')).toEqual([]);
  });

  it('should show a bulk import on the other instance as soon as it returns', async () => {
    const [one, two] = [holder(), holder()];
    for (const user of ['import.one', 'import.two']) expect(await mapped(b, user)).toEqual([]);
    const res = await a.app.inject({
      method: 'POST',
      url: '/v1/esr-mappings/import',
      headers: portal,
      payload: {
        items: [
          { portalUserId: 'import.one', vpd: '979', employeeNumber: one },
          { portalUserId: 'import.two', vpd: '979', employeeNumber: two },
        ],
      },
    });
    expect(res.json()).toMatchObject({ created: 2 });
    expect(await mapped(b, 'import.one')).toEqual([one]);
    expect(await access(b, 'import.two')).toMatchObject({ searchEnabled: true, mappings: [{ employeeNumber: two }] });
  });

  it('should never cache a mapping list read before a concurrent delete (cold fill racing the delete)', async () => {
    const emp = holder();
    await create(a, 'race.user', emp);
    await redis.unlink('map:c:race.user'); // cold: not cached anywhere
    const repository = b.app.get(DataSource).getRepository(EsrMapping);
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let readDone!: () => void;
    const read = new Promise<void>((resolve) => (readDone = resolve));
    const original = repository.find.bind(repository);
    jest.spyOn(repository, 'find').mockImplementationOnce(async (options) => {
      const rows = await original(options);
      readDone();
      await paused; // B has read the mapping from the database but not cached it yet
      return rows;
    });
    const inFlight = access(b, 'race.user');
    await read;
    expect((await remove(a, 'race.user', emp)).statusCode).toBe(204);
    release();
    await inFlight; // answered from what it read before the delete, which it must not cache
    for (const t of [b, a]) expect(await access(t, 'race.user')).toMatchObject({ searchEnabled: false, mappings: [] });
  });

  it('should answer 503 and leave the mapping in place when the cache fails during a delete', async () => {
    const emp = holder();
    await create(a, 'fault.user', emp);
    expect(await mapped(b, 'fault.user')).toEqual([emp]);
    await proxy.cut('reset');
    const res = await remove(a, 'fault.user', emp);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'DEPENDENCY_UNAVAILABLE' });
    await expect(dbRows('fault.user')).resolves.toEqual([emp]);
    expect(await access(b, 'fault.user')).toMatchObject({ searchEnabled: true }); // still mapped, so still granted
    await proxy.restore();
    await waitForRedis(a);
    expect((await remove(a, 'fault.user', emp)).statusCode).toBe(204);
    expect(await mapped(b, 'fault.user')).toEqual([]);
  });

  it('should read a user from the database until the check clears a hold its writer never released', async () => {
    const emp = holder();
    await create(a, 'unreleased.user', emp);
    expect(await mapped(b, 'unreleased.user')).toEqual([emp]);
    jest.spyOn(a.app.get(MappingCache), 'release').mockRejectedValueOnce(new Error('Connection is closed.'));
    expect((await remove(a, 'unreleased.user', emp)).statusCode).toBe(204);
    const queries = jest.spyOn(b.app.get(DataSource).logger, 'logQuery');
    for (const t of [a, b]) expect(await access(t, 'unreleased.user')).toMatchObject({ searchEnabled: false, mappings: [] });
    expect(queries).toHaveBeenCalled(); // held: from the database

    const check = b.app.get(MappingCacheCheck);
    await expect(check.run()).resolves.toMatchObject({ outcome: 'succeeded', staleHolds: 0 });
    clock.advance(STALE_HOLD_MS + 1);
    // At least this one (a hold refused with 503 above may also have reached Redis once it came back:
    // the client resends unanswered commands; such a hold is safe and cleared here too).
    expect((await check.run()).staleHolds).toBeGreaterThanOrEqual(1);
    expect((await b.app.get(MappingCache).read(['unreleased.user'])).users.get('unreleased.user')).toMatchObject({ kind: 'miss' });
    await access(b, 'unreleased.user');
    queries.mockClear();
    expect(await access(a, 'unreleased.user')).toMatchObject({ mappings: [] });
    expect(queries).not.toHaveBeenCalled(); // cached again
  });

  it('should answer correctly from the database when the cache lost the mirror (restart, eviction)', async () => {
    const emp = holder();
    await create(a, 'cold.user', emp);
    expect(await mapped(a, 'cold.user')).toEqual([emp]);
    for (const key of await redis.keys(`${a.redisPrefix}map:*`)) await redis.unlink(key.slice(a.redisPrefix.length));
    expect(await access(b, 'cold.user')).toMatchObject({ searchEnabled: true, mappings: [{ employeeNumber: emp, state: 'ACTIVE' }] });
    expect(await mapped(a, 'cold.user')).toEqual([emp]);
  });

  it('should repair drift between the mirror and the database, with a metric', async () => {
    const emp = holder();
    await create(a, 'drift.user', emp);
    expect(await mapped(b, 'drift.user')).toEqual([emp]);
    const intruder = holder();
    await redis.hset(
      'map:c:drift.user',
      'rows',
      JSON.stringify([
        ['979', emp],
        ['979', intruder],
      ]),
    );
    expect(await mapped(b, 'drift.user')).toEqual([emp, intruder]); // drift: nothing on the hot path checks
    await expect(a.app.get(MappingCacheCheck).run()).resolves.toMatchObject({ outcome: 'succeeded', drift: 1 });
    expect(await mapped(b, 'drift.user')).toEqual([emp]);
    const metrics = await a.app.get(MetricsService).render();
    expect(metrics.body).toMatch(/esr_gateway_mapping_cache_repairs_total\{reason="drift"\} 1/);
    expect(metrics.body).toMatch(/esr_gateway_mapping_cache_check_last_success_timestamp_seconds \d+/);
  });

  it('should keep no permanent entry for ids never mapped, answer one that gains a mapping at once, and drop a legacy empty entry', async () => {
    const entries = async () => (await redis.keys(`${a.redisPrefix}map:c:*`)).length;
    const before = await entries();
    const madeUp = Array.from({ length: 100 }, (_, i) => `made.up.${i}@nhs.net`);
    const res = await a.app.inject({ method: 'POST', url: '/v1/esr-access/batch', headers: portal, payload: { portalUserIds: madeUp } });
    expect(res.statusCode).toBe(200);
    expect(await entries()).toBe(before); // negatives live in one capped, expiring sorted set
    expect(await redis.zcard('map:neg')).toBeGreaterThanOrEqual(100);
    expect(await redis.pttl('map:neg')).toBeGreaterThan(0);

    const emp = holder();
    expect(await mapped(b, madeUp[0])).toEqual([]); // a negative hit
    expect((await create(a, madeUp[0], emp)).statusCode).toBe(201);
    expect(await mapped(b, madeUp[0])).toEqual([emp]); // the write dropped the negative at once
    expect(await redis.pttl(`map:c:${madeUp[0]}`)).toBe(-1); // a user with a mapping stays cached
    expect((await remove(a, madeUp[0], emp)).statusCode).toBe(204);
    expect(await mapped(b, madeUp[0])).toEqual([]);
    expect(await redis.pttl(`map:c:${madeUp[0]}`)).toBeGreaterThan(0); // only a version left: it expires

    await redis.hset('map:c:legacy.user', 'rows', '[]'); // a permanent negative as the mirror kept them before issue 21
    await expect(a.app.get(MappingCacheCheck).run()).resolves.toMatchObject({ outcome: 'succeeded' });
    expect(await redis.hget('map:c:legacy.user', 'rows')).toBeNull();
    expect(await redis.pttl('map:c:legacy.user')).toBeGreaterThan(0);
  });
});
