import { DataSource } from 'typeorm';
import { FakeClock } from '../../src/common/clock/clock';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { EsrClient } from '../../src/esr/esr.client';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const H = 3_600_000;
const as = (actingUser: string) => ({ authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': actingUser });

/**
 * The look-up before saving (GET /v1/vpds/{vpd}/people/{employeeNumber}) and the save's own ESR
 * check: PostgreSQL, Redis, the ESR sandbox on the gateway's FakeClock, VPD 979 synced.
 */
describe('Look-up before saving, and the answer right after saving (PostgreSQL, Redis, ESR sandbox)', () => {
  const clock = new FakeClock(Date.parse('2026-12-07T10:12:00Z'));
  let sandbox: RunningSandbox;
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    t = await startTestApp(
      {
        ESR_BASE_URL: sandbox.url,
        ESR_MAX_ATTEMPTS: '1',
        ESR_BREAKER_THRESHOLD: '100',
        ESR_VPDS: '979',
        LOOKUP_RATE_LIMIT_PER_MINUTE: '4',
      },
      clock,
    );
    db = t.app.get(DataSource);
    await expect(t.app.get(RunCoordinator).runSync({ mode: 'full', vpd: '979' })).resolves.toMatchObject({ status: 'succeeded' });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  afterEach(() => jest.restoreAllMocks());

  const lookUp = (employeeNumber: string, actingUser: string, vpd = '979') =>
    t.app.inject({ method: 'GET', url: `/v1/vpds/${vpd}/people/${employeeNumber}`, headers: as(actingUser) });
  const save = (user: string, employeeNumber: string, actingUser: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/users/${user}/esr-mappings`,
      headers: as(actingUser),
      payload: { vpd: '979', employeeNumber },
    });
  const lookups = (actor: string) =>
    db.getRepository(AuditEvent).find({ where: { type: 'ESR_RECORD_LOOKUP', actor }, order: { id: 'ASC' } });

  it('should answer the name, the record state, the role from when, and nobody mapped, with one ESR call, audited', async () => {
    const person = sandbox.admin.fixture('established');
    const getPerson = jest.spyOn(t.app.get(EsrClient), 'getPerson');
    const listRoles = jest.spyOn(t.app.get(EsrClient), 'listRoleAssignments');
    const res = await lookUp(person.employeeNumber, 'lsa.one@trust.nhs.uk');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      vpd: '979',
      employeeNumber: person.employeeNumber,
      displayName: 'Mr Jordan Ashworth',
      active: true,
      role: { held: true, effectiveFrom: expect.any(String), effectiveUntil: null },
      mappedTo: null,
    });
    expect(Date.parse(res.json().role.effectiveFrom)).toBeLessThan(clock.nowMs());
    expect(getPerson).toHaveBeenCalledTimes(1);
    expect(listRoles).not.toHaveBeenCalled();
    expect(await lookups('lsa.one@trust.nhs.uk')).toEqual([
      expect.objectContaining({
        apiKeyId: expect.any(String),
        vpd: '979',
        employeeNumber: person.employeeNumber,
        outcome: 'FOUND',
        details: { active: true, mapped: false },
      }),
    ]);
  });

  it('should say whom a record is mapped to, and that a record without the role does not hold it', async () => {
    const person = sandbox.admin.findPersonWithoutRole('979', 2);
    expect((await save('mapped.user', person.employeeNumber, 'lsa.two@trust.nhs.uk')).statusCode).toBe(201);
    const res = await lookUp(person.employeeNumber, 'lsa.two@trust.nhs.uk');
    expect(res.json()).toMatchObject({ active: true, role: { held: false, effectiveFrom: null }, mappedTo: 'mapped.user' });
  });

  it('should answer 422 ESR_RECORD_NOT_FOUND for a record ESR does not have, audited as a miss', async () => {
    const res = await lookUp('00000000', 'lsa.three@trust.nhs.uk');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'ESR_RECORD_NOT_FOUND', message: expect.stringContaining('00000000 in VPD 979') });
    expect(await lookups('lsa.three@trust.nhs.uk')).toEqual([
      expect.objectContaining({ employeeNumber: '00000000', outcome: 'NOT_FOUND' }),
    ]);
  });

  it('should require X-Acting-User and the portal scope', async () => {
    const noActor = await t.app.inject({
      method: 'GET',
      url: '/v1/vpds/979/people/30581377',
      headers: { authorization: `Bearer ${PORTAL_KEY}` },
    });
    expect(noActor.statusCode).toBe(422);
    expect(noActor.json().message).toMatch(/X-Acting-User/i);
    expect((await lookUp('3058137', 'lsa')).json()).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'employeeNumber' }] });
  });

  it("should refuse look-ups past the acting user's budget with 429 and Retry-After, saving included, audited once", async () => {
    const person = sandbox.admin.findPersonWithoutRole('979', 3);
    for (let i = 0; i < 3; i++) expect((await lookUp(person.employeeNumber, 'busy.lsa')).statusCode).toBe(200);
    expect((await save('busy.target', person.employeeNumber, 'busy.lsa')).statusCode).toBe(201); // the 4th look-up
    const refused = await lookUp(person.employeeNumber, 'busy.lsa');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({
      error: 'RATE_LIMITED',
      message: expect.stringContaining('At most 4 ESR record look-ups a minute'),
    });
    const other = sandbox.admin.findPersonWithoutRole('979', 4);
    expect((await save('busy.other', other.employeeNumber, 'busy.lsa')).statusCode).toBe(429);
    expect((await lookUp(person.employeeNumber, 'calm.lsa')).statusCode).toBe(200);
    const audited = await lookups('busy.lsa');
    expect(audited.map((e) => e.outcome)).toEqual(['FOUND', 'FOUND', 'FOUND', 'RATE_LIMITED']);
  });

  it('should answer PENDING_ACTIVATION with the instant it turns on when the role was assigned minutes before the save', async () => {
    const person = sandbox.admin.findPersonWithoutRole('979', 6);
    sandbox.admin.assignRole('979', person.employeeNumber, { createdAt: new Date(clock.nowMs() - 5 * 60_000) });
    const on = new Date(clock.nowMs() - 5 * 60_000 + 24 * H).toISOString();
    const before = await lookUp(person.employeeNumber, 'lsa.four@trust.nhs.uk');
    expect(before.json().role).toEqual({ held: false, effectiveFrom: null, effectiveUntil: null }); // not synced yet

    const saved = await save('new.starter', person.employeeNumber, 'lsa.four@trust.nhs.uk');
    expect(saved.statusCode).toBe(201);
    expect(saved.json().access).toEqual({ state: 'PENDING_ACTIVATION', reason: expect.stringContaining('Search ESR becomes available') });
    const access = await t.app.inject({ method: 'GET', url: '/v1/users/new.starter/esr-access', headers: as('lsa.four@trust.nhs.uk') });
    expect(access.json().mappings).toEqual([expect.objectContaining({ state: 'PENDING_ACTIVATION', effectiveFrom: on })]);
    expect(access.json().nextChangeAt).toBe(on);
    const after = await lookUp(person.employeeNumber, 'lsa.four@trust.nhs.uk');
    expect(after.json()).toMatchObject({ role: { held: true, effectiveFrom: on }, mappedTo: 'new.starter' });
  });
});
