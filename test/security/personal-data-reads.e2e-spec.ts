import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { FakeClock } from '../../src/common/clock/clock';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const LSA = 'lsa.reader@nhs.net';

/**
 * Reads of personal data or portal ids (gateway-api.md, Conventions): mappings lists and reconciliation
 * (JSON and CSV) need X-Acting-User (422 without, as for writes) and write one PERSONAL_DATA_READ audit
 * event per request, never per row. Access answers are not on the contract's list and need none.
 */
describe('Personal data reads: X-Acting-User and one PERSONAL_DATA_READ per request (PostgreSQL, Redis, ESR sandbox)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  let sandbox: RunningSandbox;
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_VPDS: '979' }, clock);
    db = t.app.get(DataSource);
    expect(await t.app.get(RunCoordinator).runSync({ mode: 'full', vpd: '979' })).toMatchObject({ status: 'succeeded' });
    for (const n of [0, 1]) {
      const { employeeNumber } = sandbox.admin.findRoleHolder('979', n);
      const res = await t.app.inject({
        method: 'POST',
        // One person per VPD per account: the second record (no role: a NO_ROLE row) is another account's.
        url: `/v1/users/${n === 0 ? 'hr.reads' : 'hr.reads.two'}/esr-mappings`,
        headers: { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': LSA },
        payload: { vpd: '979', employeeNumber: n === 0 ? employeeNumber : sandbox.admin.findPersonWithoutRole('979', n).employeeNumber },
      });
      expect(res.statusCode).toBe(201);
    }
  }, 90_000);

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  const reads = () => db.getRepository(AuditEvent).find({ where: { type: 'PERSONAL_DATA_READ' }, order: { id: 'ASC' } });
  const read = (url: string, key: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}`, ...headers } });

  const ROUTES: Array<[string, string, Record<string, string>]> = [
    ['a mappings list', '/v1/users/hr.reads/esr-mappings', {}],
    ['reconciliation as JSON', '/v1/vpds/979/reconciliation', {}],
    ['reconciliation as CSV', '/v1/vpds/979/reconciliation', { accept: 'text/csv' }],
  ];

  it.each(ROUTES)('should refuse %s without X-Acting-User with the 422 writes answer, auditing nothing', async (_, url, headers) => {
    const before = (await reads()).length;
    const res = await read(url, url.includes('reconciliation') ? OPS_KEY : PORTAL_KEY, headers);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      error: 'VALIDATION_FAILED',
      details: [{ field: 'X-Acting-User', message: 'X-Acting-User header is required' }],
    });
    await expect(reads()).resolves.toHaveLength(before);
  });

  it('should audit a mappings list once, with the acting user, the key, whose data and how many rows', async () => {
    const before = (await reads()).length;
    const res = await read('/v1/users/hr.reads/esr-mappings', PORTAL_KEY, { 'x-acting-user': LSA });
    expect(res.json().items).toHaveLength(1);
    const events = (await reads()).slice(before);
    expect(events).toEqual([
      expect.objectContaining({
        actor: LSA,
        apiKeyId: 'portal1',
        requestId: expect.any(String),
        subjectUserId: 'hr.reads',
        vpd: null,
        outcome: 'READ',
        details: { route: 'GET /v1/users/{portalUserId}/esr-mappings', rows: 1 },
      }),
    ]);
  });

  it('should audit a reconciliation page and a whole CSV once each, with the VPD, the format and the rows sent', async () => {
    const before = (await reads()).length;
    const page = await read('/v1/vpds/979/reconciliation?limit=3', OPS_KEY, { 'x-acting-user': 'ops.reader@nhs.net' });
    expect(page.statusCode).toBe(200);
    const csv = await read('/v1/vpds/979/reconciliation?kind=UNMAPPED_HOLDER', PORTAL_KEY, { 'x-acting-user': LSA, accept: 'text/csv' });
    expect(csv.headers['content-type']).toContain('text/csv');
    const csvRows = csv.body.trim().split('\r\n').length - 1;
    expect(csvRows).toBeGreaterThan(3);
    const route = 'GET /v1/vpds/{vpd}/reconciliation';
    expect((await reads()).slice(before)).toEqual([
      expect.objectContaining({
        actor: 'ops.reader@nhs.net',
        apiKeyId: 'ops1',
        vpd: '979',
        details: { route, rows: page.json().items.length, format: 'json', kind: null },
      }),
      expect.objectContaining({
        actor: LSA,
        apiKeyId: 'portal1',
        vpd: '979',
        details: { route, rows: csvRows, format: 'csv', kind: 'UNMAPPED_HOLDER' },
      }),
    ]);
  });

  it('should list the reads in the audit API by their type, without the names or portal ids of the rows read', async () => {
    const res = await read('/v1/audit/events?type=PERSONAL_DATA_READ', OPS_KEY);
    const items = res.json().items as Array<{ details: Record<string, unknown> }>;
    expect(items.length).toBeGreaterThanOrEqual(3);
    for (const item of items) expect(Object.keys(item.details).sort()).toEqual(expect.arrayContaining(['route', 'rows']));
  });

  it('should answer access reads without X-Acting-User (not on the contract list) and audit them not', async () => {
    const before = (await reads()).length;
    expect((await read('/v1/users/hr.reads/esr-access', PORTAL_KEY)).statusCode).toBe(200);
    await expect(reads()).resolves.toHaveLength(before);
  });
});
