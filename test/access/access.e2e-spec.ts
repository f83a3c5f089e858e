import { DataSource } from 'typeorm';
import { AccessService } from '../../src/access/access.service';
import { MappingCache } from '../../src/mapping-cache/mapping-cache';
import { RedisConnection } from '../../src/role-store/redis-connection';
import { FakeClock } from '../../src/common/clock/clock';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const ROLE = 'Digital Passport Administrator';
const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@nhs.net' };

/**
 * The seed's journey and the access API end to end: real PostgreSQL and Redis, the ESR sandbox on
 * the same FakeClock as the gateway, the role sync run directly.
 */
describe('Access API (PostgreSQL, Redis, ESR sandbox)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  let sandbox: RunningSandbox;
  let t: TestApp;
  let runs: RunCoordinator;
  let otherVpd: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    t = await startTestApp(
      { ESR_BASE_URL: sandbox.url, ESR_MAX_ATTEMPTS: '1', ESR_REQUEST_TIMEOUT: 'PT1S', ESR_BREAKER_THRESHOLD: '100' },
      clock,
    );
    runs = t.app.get(RunCoordinator);
    otherVpd = sandbox.admin.vpds().find((v) => v.vpd !== '979')!.vpd;
  });

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  afterEach(() => jest.restoreAllMocks());

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);
  const access = (user: string, headers: Record<string, string> = {}) =>
    inject({ method: 'GET', url: `/v1/users/${user}/esr-access`, headers: { ...portal, ...headers } });
  const map = async (user: string, vpd: string, employeeNumber: string) => {
    const res = await inject({ method: 'POST', url: `/v1/users/${user}/esr-mappings`, headers: portal, payload: { vpd, employeeNumber } });
    expect(res.statusCode).toBe(201);
  };
  const runSync = async (mode: 'full' | 'incremental', vpd = '979') => {
    const outcome = await runs.runSync({ mode, vpd });
    expect(outcome).toMatchObject({ status: 'succeeded' });
    return outcome;
  };
  const iso = () => clock.now().toISOString();

  it("should follow the seed's journey: assigned, synced, mapped, pending 24 hours, active, end-dated, left, stale", async () => {
    // Step 1 of the guidance: the role is assigned in ESR to the HR user's record.
    const person = sandbox.admin.fixture('withoutRole');
    const employeeNumber = person.employeeNumber;
    const assignment = sandbox.admin.assignRole('979', employeeNumber, { createdAt: clock.now() });
    clock.advance(60_000);
    await runSync('full');
    const syncedAt = iso();

    // Step 2: the LSA adds VPD 979 and the employee number on "Manage User".
    clock.advance(2 * 60_000);
    await map('hiran.mistry', '979', employeeNumber);

    const pending = await access('hiran.mistry');
    expect(pending.statusCode).toBe(200);
    expect(pending.json()).toEqual({
      portalUserId: 'hiran.mistry',
      searchEnabled: false,
      enabledVpds: [],
      asOf: '2026-11-25T10:15:00.000Z',
      nextChangeAt: '2026-11-26T10:12:00.000Z',
      mappings: [
        {
          vpd: '979',
          employeeNumber,
          state: 'PENDING_ACTIVATION',
          effectiveFrom: '2026-11-26T10:12:00.000Z',
          effectiveUntil: null,
          reason: `Role ${ROLE} was assigned in ESR on 25 Nov 2026 at 10:12; Search ESR becomes available 24 hours later, on 26 Nov 2026 at 10:12 (UK time).`,
          lastSyncedAt: syncedAt,
          verified: true,
        },
      ],
    });
    expect(pending.headers['cache-control']).toBe('private, max-age=60');

    // One second before the 24 hours are up: still pending, and no client may cache past the change.
    clock.set('2026-11-26T10:11:59.000Z');
    const almost = await access('hiran.mistry');
    expect(almost.json().mappings[0].state).toBe('PENDING_ACTIVATION');
    expect(almost.headers['cache-control']).toBe('private, max-age=1');

    // 24 hours after the assignment: Search ESR is switched on, without another sync and without sleeping.
    clock.set('2026-11-26T10:12:00.000Z');
    const active = (await access('hiran.mistry')).json();
    expect(active).toMatchObject({ searchEnabled: true, enabledVpds: ['979'], nextChangeAt: null });
    expect(active.mappings[0]).toMatchObject({
      state: 'ACTIVE',
      effectiveFrom: '2026-11-26T10:12:00.000Z',
      effectiveUntil: null,
      reason: `Role ${ROLE} is assigned in ESR and Search ESR has been available since 26 Nov 2026 at 10:12 (UK time).`,
    });

    // The role is end-dated in ESR (27 Nov, inclusive): still active until the start of 28 Nov UK time.
    clock.advance(60_000);
    sandbox.admin.endDateRole(assignment.assignmentId, '2026-11-27');
    await runSync('incremental');
    const endDated = (await access('hiran.mistry')).json();
    expect(endDated).toMatchObject({ searchEnabled: true, nextChangeAt: '2026-11-28T00:00:00.000Z' });
    expect(endDated.mappings[0]).toMatchObject({
      state: 'ACTIVE',
      effectiveUntil: '2026-11-28T00:00:00.000Z',
      reason: `Role ${ROLE} is assigned in ESR until its end date of 27 Nov 2026; Search ESR is available until 28 Nov 2026 at 00:00 (UK time).`,
    });

    // After the end date: no role.
    clock.set('2026-11-28T00:00:00.000Z');
    await runSync('incremental');
    const ended = (await access('hiran.mistry')).json();
    expect(ended).toMatchObject({ searchEnabled: false, enabledVpds: [], nextChangeAt: null });
    expect(ended.mappings[0]).toMatchObject({
      state: 'NO_ROLE',
      effectiveFrom: '2026-11-26T10:12:00.000Z',
      effectiveUntil: '2026-11-28T00:00:00.000Z',
      reason: `Role ${ROLE} in ESR had an end date of 27 Nov 2026; Search ESR stopped being available on 28 Nov 2026 at 00:00 (UK time).`,
    });

    // The role is assigned again: a new assignment with its own 24 hours.
    clock.advance(60 * 60_000);
    sandbox.admin.assignRole('979', employeeNumber, { createdAt: clock.now() });
    await runSync('incremental');
    const again = (await access('hiran.mistry')).json();
    expect(again.mappings[0]).toMatchObject({ state: 'PENDING_ACTIVATION', effectiveFrom: '2026-11-29T01:00:00.000Z' });

    // The person leaves: the record is inactive.
    clock.advance(60_000);
    sandbox.admin.deactivatePerson('979', employeeNumber);
    await runSync('incremental');
    const left = (await access('hiran.mistry')).json();
    expect(left).toMatchObject({ searchEnabled: false, nextChangeAt: null });
    expect(left.mappings[0]).toMatchObject({
      state: 'RECORD_INACTIVE',
      effectiveFrom: null,
      effectiveUntil: null,
      reason: `The ESR record for employee number ${employeeNumber} in VPD 979 is not active (for example, the person has left), so the role ${ROLE} does not give access to Search ESR.`,
    });

    // Nobody syncs for longer than ACCESS_MAX_STALENESS (26 hours): stale, never active.
    const lastSync = Date.parse(left.mappings[0].lastSyncedAt);
    clock.set(new Date(lastSync + 26 * 3_600_000 + 1));
    const stale = (await access('hiran.mistry')).json();
    expect(stale.mappings[0]).toMatchObject({ state: 'STALE', lastSyncedAt: left.mappings[0].lastSyncedAt });
    expect(stale.mappings[0].reason).toMatch(
      /^The ESR data for VPD 979 was last synced on \d+ \w{3} 2026 at \d\d:\d\d \(UK time\), more than 26 hours ago, so Search ESR is unavailable until the next successful sync\.$/,
    );
  });

  it('should answer NOT_SYNCED for a VPD never synced, next to a synced one', async () => {
    await runSync('full');
    const holder = sandbox.admin.fixture('established');
    const elsewhere = sandbox.admin.findPersonWithoutRole(otherVpd, 0);
    await map('two.vpds', '979', holder.employeeNumber);
    await map('two.vpds', otherVpd, elsewhere.employeeNumber);
    const body = (await access('two.vpds')).json();
    expect(body.searchEnabled).toBe(true);
    expect(body.enabledVpds).toEqual(['979']);
    const byVpd = (vpd: string) => body.mappings.find((m: { vpd: string }) => m.vpd === vpd);
    expect(byVpd('979').state).toBe('ACTIVE');
    expect(byVpd(otherVpd)).toEqual({
      vpd: otherVpd,
      employeeNumber: elsewhere.employeeNumber,
      state: 'NOT_SYNCED',
      effectiveFrom: null,
      effectiveUntil: null,
      reason: `VPD ${otherVpd} has not been synced from ESR yet, so the role ${ROLE} cannot be confirmed; Search ESR becomes available once the VPD has been synced.`,
      lastSyncedAt: null,
      verified: true,
    });
  });

  it('should answer a user without mappings with an empty list', async () => {
    const res = await access('nobody.mapped');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      portalUserId: 'nobody.mapped',
      searchEnabled: false,
      enabledVpds: [],
      asOf: iso(),
      nextChangeAt: null,
      mappings: [],
      reason:
        'No ESR record is mapped to this portal user yet; ask your Local System Administrator to add your ESR employee number and VPD via Manage User.',
    });
  });

  it('should resolve a cached user with ONE cache round trip and no SQL, and fill a cold one with ONE query', async () => {
    await runSync('full');
    const users = ['count.a', 'count.b', 'count.c'];
    for (let i = 0; i < 6; i++) {
      const person = sandbox.admin.findPersonWithoutRole(i % 2 ? otherVpd : '979', 10 + i);
      await map(users[i % 3], i % 2 ? otherVpd : '979', person.employeeNumber);
    }
    const queries = jest.spyOn(t.app.get(DataSource).logger, 'logQuery');
    const { redis, keys } = t.app.get(RedisConnection);
    const commands = jest.spyOn(redis, 'sendCommand');
    const mirror = t.app.get(MappingCache);
    const reads = jest.spyOn(mirror, 'read');
    const fills = jest.spyOn(mirror, 'fillAndRead');
    // RequestBudgetGuard flushes the API key's request count through the rate counter on this connection
    // every 250 ms, whenever the timer fires: a script on one rate window key, not part of the access read.
    const rateWindows = keys.prefix + keys.rateWindow('');
    const isBudgetFlush = ({ name, args }: { name: string; args: unknown[] }) =>
      name === 'evalsha' && String(args[2]).startsWith(rateWindows);
    const sent = () =>
      commands.mock.calls
        .map(([command]) => command as { name: string; args: unknown[] })
        .filter((command) => !isBudgetFlush(command))
        .map((c) => c.name);
    const reset = () => [queries, commands, reads, fills].forEach((spy) => spy.mockClear());

    // Cold (the mappings were just written): one round trip, one query, one round trip that caches.
    const cold = await access('count.a');
    expect(cold.json().mappings).toHaveLength(2);
    expect(queries).toHaveBeenCalledTimes(1);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(fills).toHaveBeenCalledTimes(1);

    // Warm: one script on Redis, no SQL, and the same answer.
    reset();
    const warm = await access('count.a');
    expect(warm.json()).toEqual(cold.json());
    expect(queries).not.toHaveBeenCalled();
    expect(sent()).toEqual(['evalsha']);
    expect(fills).not.toHaveBeenCalled();

    const batch = () =>
      inject({ method: 'POST', url: '/v1/esr-access/batch', headers: portal, payload: { portalUserIds: [...users, 'count.nobody'] } });
    reset();
    const first = await batch();
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((a: { portalUserId: string; mappings: unknown[] }) => [a.portalUserId, a.mappings.length])).toEqual([
      ['count.a', 2],
      ['count.b', 2],
      ['count.c', 2],
      ['count.nobody', 0],
    ]);
    expect(queries).toHaveBeenCalledTimes(1); // count.b, count.c and count.nobody were not cached yet
    expect(fills.mock.calls[0][0].map((f) => f.portalUserId)).toEqual(['count.b', 'count.c', 'count.nobody']);
    reset();
    const second = await batch();
    expect(second.json().items).toEqual(first.json().items);
    expect(queries).not.toHaveBeenCalled();
    expect(sent()).toEqual(['evalsha']);

    // The service API other modules use costs the same.
    reset();
    const many = await t.app.get(AccessService).resolveMany(users);
    expect(many.map((a) => a.portalUserId)).toEqual(users);
    expect(queries).not.toHaveBeenCalled();
    expect(sent()).toEqual(['evalsha']);
  });

  it('should carry a weak ETag without asOf and answer 304 to If-None-Match until the answer changes', async () => {
    await runSync('full');
    const person = sandbox.admin.findPersonWithoutRole('979', 3);
    await map('etag.user', '979', person.employeeNumber);
    const first = await access('etag.user');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(first.headers['cache-control']).toBe('private, max-age=60');

    clock.advance(1000);
    const unchanged = await access('etag.user', { 'if-none-match': etag });
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.body).toBe('');
    expect(unchanged.headers.etag).toBe(etag);
    expect(unchanged.headers['cache-control']).toBe('private, max-age=60');

    // The role is assigned and synced: the answer changes, so does the ETag.
    sandbox.admin.assignRole('979', person.employeeNumber, { createdAt: clock.now() });
    await runSync('incremental');
    const changed = await access('etag.user', { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.json().mappings[0].state).toBe('PENDING_ACTIVATION');
  });

  it("should refresh the user's records from ESR on demand, without waiting for a sync", async () => {
    await runSync('full');
    const person = sandbox.admin.findPersonWithoutRole('979', 4);
    await map('refresh.user', '979', person.employeeNumber);
    expect((await access('refresh.user')).json().mappings[0].state).toBe('NO_ROLE');

    const assignedAt = clock.now();
    sandbox.admin.assignRole('979', person.employeeNumber, { createdAt: assignedAt });
    expect((await access('refresh.user')).json().mappings[0].state).toBe('NO_ROLE');

    const refreshed = await inject({ method: 'POST', url: '/v1/users/refresh.user/esr-access/refresh', headers: portal });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.headers.etag).toMatch(/^W\//);
    expect(refreshed.json().mappings[0]).toMatchObject({
      state: 'PENDING_ACTIVATION',
      effectiveFrom: new Date(assignedAt.getTime() + 24 * 3_600_000).toISOString(),
    });
    // The cache now holds it for every replica.
    expect((await access('refresh.user')).json().mappings[0].state).toBe('PENDING_ACTIVATION');
  });

  it('should pass ESR failures of a refresh on as ESR_UNAVAILABLE (503) and ESR_TIMEOUT (504)', async () => {
    await runSync('full');
    const person = sandbox.admin.findPersonWithoutRole('979', 5);
    await map('refresh.fail', '979', person.employeeNumber);
    const refresh = () => inject({ method: 'POST', url: '/v1/users/refresh.fail/esr-access/refresh', headers: portal });
    try {
      sandbox.admin.setFaults({ maintenance: { retryAfterSeconds: 7 } });
      const down = await refresh();
      expect(down.statusCode).toBe(503);
      expect(down.json().error).toBe('ESR_UNAVAILABLE');
      expect(down.headers['retry-after']).toBeDefined();

      sandbox.admin.setFaults({ hang: true });
      const slow = await refresh();
      expect(slow.statusCode).toBe(504);
      expect(slow.json().error).toBe('ESR_TIMEOUT');
    } finally {
      sandbox.admin.clearFaults();
    }
    expect((await refresh()).statusCode).toBe(200);
  });

  describe('batch and validation', () => {
    const batch = (payload: unknown, headers: Record<string, string> = portal) =>
      inject({ method: 'POST', url: '/v1/esr-access/batch', headers, payload: payload as object });

    it('should answer one access object per id, in the order asked, with an ETag', async () => {
      const res = await batch({ portalUserIds: ['z.user', 'a.user'] });
      expect(res.statusCode).toBe(200);
      expect(res.json().items.map((a: { portalUserId: string }) => a.portalUserId)).toEqual(['z.user', 'a.user']);
      expect(res.headers.etag).toMatch(/^W\//);
      expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    });

    it('should take 100 ids and refuse 101, repeats, none, bad ids and unknown fields with 422', async () => {
      const ids = (n: number) => Array.from({ length: n }, (_, i) => `batch.${i}`);
      expect((await batch({ portalUserIds: ids(100) })).statusCode).toBe(200);
      for (const payload of [
        { portalUserIds: ids(101) },
        { portalUserIds: ['a', 'a'] },
        { portalUserIds: [] },
        { portalUserIds: ['bad id'] },
        { portalUserIds: [42] },
        { portalUserIds: 'a' },
        {},
        { portalUserIds: ['a'], extra: true },
      ]) {
        const res = await batch(payload);
        expect(res.statusCode).toBe(422);
        expect(res.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: expect.any(String) })] });
      }
    });

    it('should validate the portal user id in the path', async () => {
      const res = await access('bad%20user');
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'portalUserId' }] });
      const refresh = await inject({ method: 'POST', url: '/v1/users/bad!user/esr-access/refresh', headers: portal });
      expect(refresh.statusCode).toBe(422);
    });

    it('should answer 401 without a valid key and 403 to the ops key', async () => {
      for (const headers of [{}, { authorization: 'Bearer not-a-key-at-all' }] as Record<string, string>[]) {
        expect((await inject({ method: 'GET', url: '/v1/users/u1/esr-access', headers })).statusCode).toBe(401);
        expect((await batch({ portalUserIds: ['u1'] }, headers)).statusCode).toBe(401);
        expect((await inject({ method: 'POST', url: '/v1/users/u1/esr-access/refresh', headers })).statusCode).toBe(401);
      }
      const ops = { authorization: `Bearer ${OPS_KEY}` };
      expect((await inject({ method: 'GET', url: '/v1/users/u1/esr-access', headers: ops })).statusCode).toBe(403);
      expect((await batch({ portalUserIds: ['u1'] }, ops)).statusCode).toBe(403);
      expect((await inject({ method: 'POST', url: '/v1/users/u1/esr-access/refresh', headers: ops })).statusCode).toBe(403);
    });
  });
});
