import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { FakeClock } from '../../src/common/clock/clock';
import { EsrClient } from '../../src/esr/esr.client';
import { EsrMapping } from '../../src/database/esr-mapping.entity';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { AccessMonitor } from '../../src/access-events/access-monitor.service';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@nhs.net' };
const ops = { authorization: `Bearer ${OPS_KEY}`, 'x-acting-user': 'ops.user@nhs.net' };

/**
 * Manage User checks and reconciliation end to end: real PostgreSQL and Redis, the ESR sandbox on
 * the gateway's FakeClock, the role sync and the access monitor run directly.
 */
describe('Manage User checks and reconciliation (PostgreSQL, Redis, ESR sandbox)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  let sandbox: RunningSandbox;
  let t: TestApp;
  let db: DataSource;
  let sync: RunCoordinator;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    t = await startTestApp(
      { ESR_BASE_URL: sandbox.url, ESR_MAX_ATTEMPTS: '1', ESR_REQUEST_TIMEOUT: 'PT1S', ESR_BREAKER_THRESHOLD: '100', ESR_VPDS: '979' },
      clock,
    );
    db = t.app.get(DataSource);
    sync = t.app.get(RunCoordinator);
  });

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  afterEach(() => {
    sandbox.admin.clearFaults();
    jest.restoreAllMocks();
  });

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);
  const add = (user: string, vpd: string, employeeNumber: string) =>
    inject({ method: 'POST', url: `/v1/users/${user}/esr-mappings`, headers: portal, payload: { vpd, employeeNumber } });
  const list = async (user: string) => (await inject({ method: 'GET', url: `/v1/users/${user}/esr-mappings`, headers: portal })).json();
  const access = async (user: string) => (await inject({ method: 'GET', url: `/v1/users/${user}/esr-access`, headers: portal })).json();
  const runSync = async (mode: 'full' | 'incremental' = 'full') =>
    expect(await sync.runSync({ mode, vpd: '979' })).toMatchObject({ status: 'succeeded' });
  const nameOf = (employeeNumber: string) => {
    const p = sandbox.admin.getPerson('979', employeeNumber)!;
    return [p.title, p.firstName, p.lastName].filter(Boolean).join(' ');
  };

  it('should refuse a typo with 422 ESR_RECORD_NOT_FOUND naming VPD and employee number, writing nothing', async () => {
    const res = await add('typo.user', '979', '00000000');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'ESR_RECORD_NOT_FOUND', message: expect.stringMatching(/00000000 in VPD 979/) });
    await expect(db.getRepository(EsrMapping).count({ where: { portalUserId: 'typo.user' } })).resolves.toBe(0);
    await expect(db.getRepository(AuditEvent).count({ where: { subjectUserId: 'typo.user' } })).resolves.toBe(0);
  });

  it('should answer 201 with who ESR says it is and the access state, with one ESR call', async () => {
    await runSync();
    const person = sandbox.admin.fixture('established');
    const getPerson = jest.spyOn(t.app.get(EsrClient), 'getPerson');
    const res = await add('jordan', '979', person.employeeNumber);
    expect(res.statusCode).toBe(201);
    expect(getPerson).toHaveBeenCalledTimes(1);
    expect(res.json()).toMatchObject({
      verified: true,
      displayName: nameOf(person.employeeNumber),
      esrPerson: { displayName: 'Mr Jordan Ashworth' },
      access: { state: 'ACTIVE', reason: expect.stringContaining('Search ESR has been available since') },
    });
    expect((await list('jordan')).items).toEqual([expect.objectContaining({ verified: true, displayName: 'Mr Jordan Ashworth' })]);
  });

  it('should save unverified while ESR is down, then verify at the next sync (and mark an unknown record NOT_FOUND_IN_ESR)', async () => {
    const person = sandbox.admin.findPersonWithoutRole('979', 3);
    sandbox.admin.setFaults({ maintenance: { retryAfterSeconds: 1 } });
    const saved = await add('down.user', '979', person.employeeNumber);
    expect(saved.statusCode).toBe(201);
    expect(saved.json()).toMatchObject({ verified: false, esrPerson: null, displayName: null, access: { state: 'NO_ROLE' } });
    expect(saved.json().access.reason).toContain(`ESR has not yet confirmed employee number ${person.employeeNumber} in VPD 979`);
    const typo = await add('down.typo', '979', '00000001');
    expect(typo.statusCode).toBe(201);
    expect(typo.json().verified).toBe(false);

    // ESR back; the next sync runs and the monitor notices it.
    sandbox.admin.clearFaults();
    clock.advance(5 * 60_000);
    await runSync('incremental');
    const monitor = await t.app.get(AccessMonitor).runOnce();
    expect(monitor.verification).toMatchObject({ verified: 1, notFound: 1 });
    expect((await list('down.user')).items[0]).toMatchObject({ verified: true, displayName: nameOf(person.employeeNumber) });
    const typoAccess = await access('down.typo');
    expect(typoAccess.mappings[0]).toMatchObject({ state: 'NOT_FOUND_IN_ESR', verified: false });
    expect(typoAccess.mappings[0].reason).toContain('ESR has no record with employee number 00000001 in VPD 979');
  });

  it('should import rows in the synced role data without ESR calls, and report unknown records', async () => {
    const holder = sandbox.admin.findRoleHolder('979', 5);
    const other = sandbox.admin.findPersonWithoutRole('979', 4);
    const getPerson = jest.spyOn(t.app.get(EsrClient), 'getPerson');
    const res = await inject({
      method: 'POST',
      url: '/v1/esr-mappings/import',
      headers: portal,
      payload: {
        items: [
          { portalUserId: 'imp.holder', vpd: '979', employeeNumber: holder.employeeNumber },
          { portalUserId: 'imp.other', vpd: '979', employeeNumber: other.employeeNumber },
          { portalUserId: 'imp.typo', vpd: '979', employeeNumber: '00000002' },
        ],
      },
    });
    expect(res.json()).toMatchObject({ created: 2, skipped: 0, unverified: 0, errors: [{ index: 2, error: 'ESR_RECORD_NOT_FOUND' }] });
    expect(getPerson.mock.calls.map((c) => c[1]).sort()).toEqual([other.employeeNumber, '00000002'].sort());
    expect((await list('imp.holder')).items[0]).toMatchObject({ verified: true, displayName: null });
  });

  it('should list every kind of reconciliation row with counts, paged, and as CSV of all pages', async () => {
    const pending = sandbox.admin.fixture('assignedWithin24h');
    const leaver = sandbox.admin.fixture('leaver');
    expect((await add('priya', '979', pending.employeeNumber)).statusCode).toBe(201);
    expect((await add('leaver', '979', leaver.employeeNumber)).statusCode).toBe(201);
    const get = (query = '', headers: Record<string, string> = portal) =>
      inject({ method: 'GET', url: `/v1/vpds/979/reconciliation${query}`, headers });

    const first = await get('?limit=5');
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body).toMatchObject({ vpd: '979', lastSyncedAt: expect.any(String) });
    // NO_ROLE: down.user, down.typo (unknown to ESR) and imp.other; ACTIVE: jordan and imp.holder.
    expect(body.counts).toMatchObject({ noRole: 3, inactive: 1, pending: 1, unverified: 1, active: 2 });
    expect(body.counts.unmappedHolders).toBeGreaterThan(0);
    expect(body.items).toHaveLength(5);
    expect(body.nextCursor).toEqual(expect.any(String));

    const all: Array<Record<string, string | null>> = [];
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages++) {
      const page: { items: Array<Record<string, string | null>>; nextCursor: string | null } = (
        await get(`?limit=7${cursor ? `&cursor=${cursor}` : ''}`, ops)
      ).json();
      all.push(...page.items);
      cursor = page.nextCursor;
    }
    const total = Object.entries(body.counts).reduce((n, [k, v]) => n + (k === 'active' ? 0 : (v as number)), 0);
    expect(all).toHaveLength(total);
    expect(new Set(all.map((i) => i.kind))).toEqual(new Set(['UNMAPPED_HOLDER', 'NO_ROLE', 'INACTIVE', 'PENDING', 'UNVERIFIED']));
    expect(all.find((i) => i.kind === 'PENDING')).toMatchObject({ portalUserId: 'priya', effectiveFrom: expect.any(String) });
    expect(all.find((i) => i.kind === 'INACTIVE')).toMatchObject({ portalUserId: 'leaver' });
    expect(all.find((i) => i.kind === 'UNVERIFIED')).toMatchObject({ portalUserId: 'down.typo', employeeNumber: '00000001' });
    expect(all.find((i) => i.kind === 'NO_ROLE' && i.portalUserId === 'down.user')?.reason).toContain(
      'HR Administration URP > Others > Supplementary Roles',
    );
    const unmapped = all.filter((i) => i.kind === 'UNMAPPED_HOLDER');
    expect(unmapped.every((i) => i.portalUserId === null && i.effectiveFrom)).toBe(true);
    expect(unmapped.map((i) => i.employeeNumber)).not.toContain(sandbox.admin.fixture('established').employeeNumber);

    const onlyPending = (await get('?kind=PENDING')).json();
    expect(onlyPending.items.map((i: { portalUserId: string }) => i.portalUserId)).toEqual(['priya']);

    const csv = await get('', { ...portal, accept: 'text/csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('kind,vpd,employeeNumber,portalUserId,displayName,effectiveFrom,reason');
    expect(lines).toHaveLength(total + 1);
    expect(lines.some((l) => l.startsWith('PENDING,979,') && l.includes(',priya,'))).toBe(true);

    expect((await get('?cursor=bm9wZQ')).statusCode).toBe(422);
    expect((await get('', { authorization: 'Bearer nope-nope-nope' })).statusCode).toBe(401);
    expect((await inject({ method: 'GET', url: '/v1/vpds/123/reconciliation', headers: portal })).json()).toMatchObject({
      error: 'VPD_NOT_SERVED',
      message: expect.stringContaining('VPD 123'),
    });
  });

  it('should remove every mapping of a deleted portal account, audited', async () => {
    const res = await inject({ method: 'DELETE', url: '/v1/users/jordan/esr-mappings', headers: portal });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ deleted: 1 });
    await expect(db.getRepository(AuditEvent).count({ where: { subjectUserId: 'jordan', type: 'MAPPING_DELETED' } })).resolves.toBe(1);
    expect((await inject({ method: 'DELETE', url: '/v1/users/jordan/esr-mappings', headers: portal })).json()).toEqual({ deleted: 0 });
    expect((await access('jordan')).reason).toContain('ask your Local System Administrator');
  });
});
