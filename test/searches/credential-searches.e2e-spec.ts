import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Logger } from 'nestjs-pino';
import { AccessReasons } from '../../src/access-policy/access-reasons';
import { FakeClock } from '../../src/common/clock/clock';
import { Person, RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { SearchesController } from '../../src/searches/searches.controller';
import { OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';
import { DuplicatingProxy } from './duplicating-proxy';
import { waitForSyncRun } from '../support/sync-runs';

const HMAC_SECRET = 'test-audit-hmac-secret-0123456789'; // startTestApp's AUDIT_HMAC_SECRET
const HOME_VPD = '979';
const START = Date.parse('2026-11-25T10:00:00Z');
const HOUR = 3_600_000;
const RATE_LIMIT = 5;

type Body = Record<string, unknown>;

interface AuditRow {
  type: string;
  actor: string;
  api_key_id: string | null;
  request_id: string | null;
  vpd: string | null;
  employee_number: string | null;
  outcome: string | null;
  details: string | Record<string, unknown> | null;
}

/** The canonical criteria and their HMAC, computed here independently of the gateway's code. */
const hmac = (parts: string[]): string =>
  createHmac('sha256', HMAC_SECRET)
    .update(JSON.stringify(['v1', ...parts]))
    .digest('hex');

describe(SearchesController.name, () => {
  const clock = new FakeClock(START);
  let sandbox: RunningSandbox;
  let proxy: DuplicatingProxy;
  let t: TestApp;
  const logs: string[] = [];
  let writeSpy: jest.SpyInstance;
  let userCount = 0;
  let holderIndex = 0;
  /** Every name, date of birth and NI number a search sent or got back: none may reach a log or the audit. */
  const personal = new Set<string>();
  /** Person used for the one-match searches, chosen for a well-filled record. */
  let subject: Person;
  let subjectNi: string;
  /** A second record of that person, for several matches (through the proxy). */
  let twin: Person;
  /** An HR user ACTIVE in VPD 979, shared by tests that search only once or twice. */
  let hr: string;

  const inject = (opts: Parameters<TestApp['app']['inject']>[0]) => t.app.inject(opts);

  const search = (actor: string | undefined, body: Body | undefined, opts: { key?: string } = {}) =>
    inject({
      method: 'POST',
      url: '/v1/credential-searches',
      headers: { authorization: `Bearer ${opts.key ?? PORTAL_KEY}`, ...(actor === undefined ? {} : { 'x-acting-user': actor }) },
      ...(body === undefined ? {} : { payload: body }),
    });

  const auditRow = async (requestId: unknown): Promise<AuditRow & { details: Record<string, unknown> }> => {
    const rows = await t.app.get(DataSource).query<AuditRow[]>('SELECT * FROM audit_events WHERE request_id = $1', [requestId]);
    expect(rows).toHaveLength(1);
    const row = rows[0];
    const details = typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, unknown>) : (row.details ?? {});
    return { ...row, details };
  };

  const mapUser = async (portalUserId: string, vpd: string, employeeNumber: string): Promise<void> => {
    const res = await inject({
      method: 'POST',
      url: `/v1/users/${encodeURIComponent(portalUserId)}/esr-mappings`,
      headers: { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.admin@nhs.net' },
      payload: { vpd, employeeNumber },
    });
    expect(res.statusCode).toBe(201);
  };

  const accessOf = async (portalUserId: string) => {
    const res = await inject({
      method: 'GET',
      url: `/v1/users/${encodeURIComponent(portalUserId)}/esr-access`,
      headers: { authorization: `Bearer ${PORTAL_KEY}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ searchEnabled: boolean; mappings: Array<{ vpd: string; employeeNumber: string; state: string; reason: string }> }>();
  };

  /** A new portal user mapped to a generated role holder of VPD 979 whose access is ACTIVE. */
  const newActiveUser = async (): Promise<string> => {
    const id = `hr.user${++userCount}@nhs.net`;
    for (; holderIndex < sandbox.admin.generatedRoleSlots(HOME_VPD); holderIndex++) {
      const holder = sandbox.admin.findRoleHolder(HOME_VPD, holderIndex);
      const roles = sandbox.admin.roleAssignmentsOf(HOME_VPD, holder.employeeNumber);
      const assigned = roles.some((r) => r.effectiveEndDate === null && Date.parse(r.createdAt) < clock.nowMs() - 25 * HOUR);
      if (!assigned || !sandbox.admin.getPerson(HOME_VPD, holder.employeeNumber)?.assignments.some((a) => a.status === 'ACTIVE')) continue;
      holderIndex++;
      await mapUser(id, HOME_VPD, holder.employeeNumber);
      const access = await accessOf(id);
      if (access.mappings[0]?.state === 'ACTIVE') return id;
    }
    throw new Error('the sandbox has no more ACTIVE role holders');
  };

  /** A full sync of every VPD through the ops API (POST /v1/sync/runs), waited for. */
  const syncAll = async (): Promise<void> => {
    const ops = { authorization: `Bearer ${OPS_KEY}` };
    const res = await inject({ method: 'POST', url: '/v1/sync/runs', headers: ops, payload: { mode: 'full' } });
    expect(res.statusCode).toBe(202);
    await waitForSyncRun(t.app, res.json<{ runId: string }>().runId, 600);
  };

  const remember = (...values: Array<string | null | undefined>): void => {
    for (const value of values) if (value) personal.add(value);
  };

  beforeAll(async () => {
    // pino writes to process.stdout itself once process.stdout.write is replaced before the app starts.
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    sandbox = await startSandbox({ port: 0, now: () => clock.now() });
    proxy = await new DuplicatingProxy(sandbox).start();
    t = await startTestApp(
      {
        ESR_BASE_URL: proxy.url,
        LOG_LEVEL: 'debug',
        SEARCH_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
        ESR_REQUEST_TIMEOUT: 'PT1S',
        ESR_MAX_ATTEMPTS: '2',
        ESR_RETRY_BASE_DELAY: 'PT0.05S',
        ESR_RETRY_MAX_DELAY: 'PT0.2S',
        ESR_RETRY_AFTER_CAP: 'PT0.2S',
        ESR_BREAKER_THRESHOLD: '4',
        ESR_BREAKER_HALF_OPEN_AFTER: 'PT2S',
      },
      clock,
    );
    // Nest's own Logger (ESR client, error filter) through pino too, as in production.
    t.app.useLogger(t.app.get(Logger));
    await syncAll();

    // A well-filled record to search for, and another record to stand in as its duplicate.
    const candidates: Person[] = [];
    for (let n = 0; n < 300 && candidates.length < 2; n++) {
      const { employeeNumber } = sandbox.admin.findPersonWithoutRole(HOME_VPD, n);
      const person = sandbox.admin.getPerson(HOME_VPD, employeeNumber) as Person;
      const types = new Set(person.employmentChecks.map((c) => c.type));
      if (
        person.assignments.length >= 2 &&
        person.registrations.length > 0 &&
        person.immunisations.length > 0 &&
        person.competences.length > 0 &&
        ['IDENTITY', 'RIGHT_TO_WORK', 'DBS', 'OCCUPATIONAL_HEALTH'].every((type) => types.has(type as never)) &&
        sandbox.admin.niNumber(HOME_VPD, employeeNumber) !== null
      )
        candidates.push(person);
    }
    expect(candidates).toHaveLength(2);
    [subject, twin] = candidates as [Person, Person];
    subjectNi = sandbox.admin.niNumber(HOME_VPD, subject.employeeNumber) as string;
    remember(subject.firstName, subject.lastName, subject.dateOfBirth, subjectNi, twin.firstName, twin.lastName, twin.dateOfBirth);
    remember(subject.middleNames);

    hr = await newActiveUser();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await sandbox?.close();
    writeSpy?.mockRestore();
  });

  afterEach(() => {
    sandbox.admin.clearFaults();
  });

  describe('criteria', () => {
    it('should find one person by each kind of criteria and return the credentials from their ESR record', async () => {
      const user = await newActiveUser();
      const nonPrimary = subject.assignments.find((a) => !a.primary) ?? subject.assignments[0];
      const bodies: Body[] = [
        { vpd: HOME_VPD, employeeNumber: subject.employeeNumber },
        { vpd: HOME_VPD, assignmentNumber: nonPrimary?.assignmentNumber },
        // Typed as people type them: lower case, NI number with spaces.
        {
          vpd: HOME_VPD,
          lastName: subject.lastName.toLowerCase(),
          dateOfBirth: subject.dateOfBirth,
          niNumber: subjectNi.toLowerCase().replace(/(..)(..)(..)(..)(.)/, '$1 $2 $3 $4 $5'),
        },
      ];
      remember(subject.lastName.toLowerCase(), subjectNi.toLowerCase());
      const people = sandbox.admin.getPerson(HOME_VPD, subject.employeeNumber) as Person;
      for (const body of bodies) {
        const res = await search(user, body);
        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const answer = res.json();
        expect(answer.matches).toEqual([
          {
            employeeNumber: people.employeeNumber,
            title: people.title,
            firstName: people.firstName,
            lastName: people.lastName,
            dateOfBirth: people.dateOfBirth,
            systemPersonType: people.systemPersonType,
            primaryAssignmentNumber: people.primaryAssignmentNumber,
          },
        ]);
        expect(answer.credentials.source).toMatchObject({ vpd: HOME_VPD, employeeNumber: subject.employeeNumber });
      }
    });

    it("should search by employee number with one ESR call, the person's record, where 404 means no match", async () => {
      const user = await newActiveUser();
      const before = proxy.esrRequests.length;
      const found = await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber });
      expect(found.statusCode).toBe(200);
      expect(found.json().credentials.source).toMatchObject({ employeeNumber: subject.employeeNumber });
      expect(proxy.esrRequests.slice(before).map((r) => r.path)).toEqual([`/esr/v1/vpds/${HOME_VPD}/people/${subject.employeeNumber}`]);

      const nobody = '00000001';
      expect(sandbox.admin.getPerson(HOME_VPD, nobody)).toBeFalsy();
      const missing = await search(user, { vpd: HOME_VPD, employeeNumber: nobody });
      expect(missing.statusCode).toBe(200);
      expect(missing.json()).toEqual({ matches: [] });
      expect(proxy.esrRequests.slice(before + 1).map((r) => r.path)).toEqual([`/esr/v1/vpds/${HOME_VPD}/people/${nobody}`]);
      const row = await auditRow(missing.headers['x-request-id']);
      expect(row).toMatchObject({ type: 'CREDENTIAL_SEARCH', outcome: 'NO_MATCH', employee_number: null });
      expect(row.details).toMatchObject({ criteriaKind: 'employeeNumber', matchCount: 0 });
    });

    it('should map every credential field by field from the sandbox record', async () => {
      const res = await search(hr, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber });
      expect(res.statusCode).toBe(200);
      const c = res.json().credentials;
      const record = sandbox.admin.getPerson(HOME_VPD, subject.employeeNumber) as Person;
      const check = (type: string) => {
        const found = record.employmentChecks.find((k) => k.type === type);
        if (!found) return null;
        const base = { status: found.status, checkedDate: found.checkedDate, expiryDate: found.expiryDate, reference: found.reference };
        if (type === 'DBS')
          return {
            ...base,
            level: found.level ?? null,
            barredLists: found.barredLists ?? null,
            updateService: found.updateService ?? null,
          };
        if (type === 'RIGHT_TO_WORK')
          return {
            ...base,
            documentType: found.documentType ?? null,
            restrictions: found.restrictions ?? null,
            followUpDate: found.followUpDate ?? null,
          };
        return base;
      };

      expect(c.source).toEqual({
        vpd: HOME_VPD,
        employeeNumber: record.employeeNumber,
        extractDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/),
        retrievedAt: clock.now().toISOString(),
      });
      // The sandbox's extract is continuous: the instant of the answer, on the clock it shares with the gateway.
      expect(Math.abs(Date.parse(c.source.extractDate as string) - clock.nowMs())).toBeLessThan(1000);
      expect(c.employment).toHaveLength(record.assignments.length);
      record.assignments.forEach((a, i) => {
        expect(c.employment[i]).toEqual({
          assignmentNumber: a.assignmentNumber,
          primary: a.primary,
          status: a.status,
          positionName: a.positionName,
          jobRole: a.jobRole,
          staffGroup: a.staffGroup,
          organisationName: a.organisationName,
          startDate: a.effectiveStartDate,
          endDate: a.effectiveEndDate,
        });
      });
      expect(c.identity).toEqual({
        check: check('IDENTITY'),
        title: record.title,
        firstName: record.firstName,
        middleNames: record.middleNames,
        lastName: record.lastName,
        dateOfBirth: record.dateOfBirth,
        niNumberMasked: record.niNumberMasked,
      });
      expect(c.identity.check).not.toBeNull();
      expect(c.rightToWork).toEqual(check('RIGHT_TO_WORK'));
      expect(c.dbs).toEqual(check('DBS'));
      expect(c.employmentHistory).toEqual(check('EMPLOYMENT_HISTORY'));
      expect(c.professionalRegistrationCheck).toEqual(check('PROFESSIONAL_REGISTRATION'));
      expect(c.professionalRegistrations).toEqual(
        record.registrations.map((r) => ({ body: r.body, number: r.number, status: r.status, expiryDate: r.expiryDate })),
      );
      expect(c.occupationalHealth).toEqual({
        immunisations: record.immunisations.map((i) => ({ antigen: i.antigen, date: i.date, result: i.result })),
        check: check('OCCUPATIONAL_HEALTH'),
      });
      expect(c.coreSkillsTraining).toEqual(
        record.competences.map((k) => ({
          name: k.name,
          cstfSubject: k.cstfSubject,
          level: k.level,
          status: k.status,
          achievedDate: k.achievedDate,
          expiryDate: k.expiryDate,
        })),
      );
      expect(JSON.stringify(c)).not.toContain(subjectNi);

      const row = await auditRow(res.headers['x-request-id']);
      expect(row).toMatchObject({
        type: 'CREDENTIAL_SEARCH',
        outcome: 'MATCHED_ONE',
        actor: hr,
        api_key_id: 'portal1',
        vpd: HOME_VPD,
        employee_number: subject.employeeNumber,
      });
      expect(row.details).toEqual({
        criteriaKind: 'employeeNumber',
        criteriaHash: hmac(['employeeNumber', subject.employeeNumber]),
        matchCount: 1,
        matchedEmployeeNumbers: [subject.employeeNumber],
      });
    });

    it("should give ESR's DBS level, barred lists and Update Service and the right to work's document, restrictions and follow-up date, null where ESR holds none", async () => {
      const user = await newActiveUser();
      const done = (p: Person, type: string) =>
        p.employmentChecks.find((k) => k.type === type && (k.status === 'VERIFIED' || k.status === 'EXPIRED'));
      let detailed: Person | undefined;
      let plain: Person | undefined;
      // Active people without the role: a visa holder with every detail, and a record in the ESR 1.0 shape.
      for (let n = 0; !(detailed && plain); n++) {
        const p = sandbox.admin.getPerson(HOME_VPD, sandbox.admin.findPersonWithoutRole(HOME_VPD, n).employeeNumber) as Person;
        if (!detailed && done(p, 'DBS')?.level && done(p, 'RIGHT_TO_WORK')?.followUpDate) detailed = p;
        if (!plain && done(p, 'DBS') && done(p, 'RIGHT_TO_WORK') && Number(p.employeeNumber) % 4 === 3) plain = p;
      }

      const withDetails = (await search(user, { vpd: HOME_VPD, employeeNumber: detailed.employeeNumber })).json().credentials;
      const dbs = done(detailed, 'DBS');
      const rtw = done(detailed, 'RIGHT_TO_WORK');
      expect(withDetails.dbs).toMatchObject({ level: dbs?.level, barredLists: dbs?.barredLists, updateService: dbs?.updateService });
      expect(['BASIC', 'STANDARD', 'ENHANCED', 'ENHANCED_WITH_BARRED_LISTS']).toContain(withDetails.dbs.level);
      expect(withDetails.rightToWork).toMatchObject({
        documentType: rtw?.documentType,
        restrictions: rtw?.restrictions,
        followUpDate: rtw?.expiryDate,
      });
      expect(withDetails.rightToWork.followUpDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(withDetails.source.extractDate).not.toBeNull();

      const without = (await search(user, { vpd: HOME_VPD, employeeNumber: plain.employeeNumber })).json().credentials;
      expect(without.dbs).toMatchObject({ level: null, barredLists: null, updateService: null });
      expect(without.rightToWork).toMatchObject({ documentType: null, restrictions: null, followUpDate: null });
      expect(without.source.extractDate).not.toBeNull();
    });

    it('should list several matches to choose from without credentials', async () => {
      proxy.addDuplicates(HOME_VPD, subject.employeeNumber, [twin.employeeNumber]);
      const res = await search(hr, {
        vpd: HOME_VPD,
        lastName: subject.lastName,
        dateOfBirth: subject.dateOfBirth,
        niNumber: subjectNi,
      }).finally(() => proxy.clearDuplicates());
      expect(res.statusCode).toBe(200);
      const answer = res.json();
      expect(answer.matches.map((m: { employeeNumber: string }) => m.employeeNumber)).toEqual([
        subject.employeeNumber,
        twin.employeeNumber,
      ]);
      expect(answer.matches[1]).toMatchObject({ firstName: twin.firstName, lastName: twin.lastName, dateOfBirth: twin.dateOfBirth });
      expect(answer).not.toHaveProperty('credentials');

      const row = await auditRow(res.headers['x-request-id']);
      expect(row).toMatchObject({ type: 'CREDENTIAL_SEARCH', outcome: 'MATCHED_MANY', employee_number: null });
      expect(row.details).toEqual({
        criteriaKind: 'personalDetails',
        criteriaHash: hmac(['personalDetails', subject.lastName.toUpperCase(), subject.dateOfBirth, subjectNi]),
        matchCount: 2,
        matchedEmployeeNumbers: [subject.employeeNumber, twin.employeeNumber],
      });
    });

    it('should answer an empty list when nobody matches', async () => {
      const otherDob = subject.dateOfBirth === '1970-01-01' ? '1970-01-02' : '1970-01-01';
      remember(otherDob);
      const res = await search(hr, { vpd: HOME_VPD, lastName: subject.lastName, dateOfBirth: otherDob, niNumber: subjectNi });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ matches: [] });
      const row = await auditRow(res.headers['x-request-id']);
      expect(row).toMatchObject({ type: 'CREDENTIAL_SEARCH', outcome: 'NO_MATCH', employee_number: null });
      expect(row.details).toMatchObject({ criteriaKind: 'personalDetails', matchCount: 0 });
    });

    it('should refuse bad criteria with 422 naming the problem, before calling ESR or counting a search', async () => {
      const user = await newActiveUser();
      const before = proxy.esrRequests.length;
      const cases: Array<[Body, string]> = [
        [{ vpd: HOME_VPD }, 'criteria'],
        [{ vpd: HOME_VPD, employeeNumber: subject.employeeNumber, assignmentNumber: subject.primaryAssignmentNumber }, 'criteria'],
        [{ vpd: HOME_VPD, lastName: 'Smith', dateOfBirth: '1984-03-07' }, 'niNumber'],
        [{ vpd: HOME_VPD, employeeNumber: subject.employeeNumber, firstName: 'Jordan' }, 'firstName'],
        [{ vpd: HOME_VPD, lastName: 'Smith', dateOfBirth: '1984-03-07', niNumber: 'QQ123456C' }, 'niNumber'],
        [{ vpd: HOME_VPD, lastName: 'Smith', dateOfBirth: '1984-02-30', niNumber: 'AB123456C' }, 'dateOfBirth'],
        [{ vpd: HOME_VPD, lastName: 'Smith', dateOfBirth: '2999-01-01', niNumber: 'AB123456C' }, 'dateOfBirth'],
        [{ vpd: HOME_VPD, lastName: 'Sm1th', dateOfBirth: '1984-03-07', niNumber: 'AB123456C' }, 'lastName'],
        [{ vpd: '97', employeeNumber: subject.employeeNumber }, 'vpd'],
        [{ vpd: HOME_VPD, assignmentNumber: '1234' }, 'assignmentNumber'],
      ];
      const empty = await search(user, undefined);
      expect(empty.statusCode).toBe(422);
      expect(empty.headers['cache-control']).toBe('no-store');
      for (const [body, field] of cases) {
        const res = await search(user, body);
        expect(res.statusCode).toBe(422);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.json()).toMatchObject({
          error: 'VALIDATION_FAILED',
          details: expect.arrayContaining([expect.objectContaining({ field })]),
        });
      }
      // None reached ESR, none was audited, none was counted: the user still has the whole minute's searches.
      expect(proxy.esrRequests.length).toBe(before);
      const audited = await t.app
        .get(DataSource)
        .query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM audit_events WHERE actor = $1', [user]);
      expect(audited[0]?.n).toBe(0);
      for (let i = 0; i < RATE_LIMIT; i++)
        expect((await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber })).statusCode).toBe(200);
    });

    it('should require X-Acting-User and a portal-scoped key', async () => {
      const missing = await search(undefined, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber });
      expect(missing.statusCode).toBe(422);
      expect(missing.json().details).toEqual([{ field: 'X-Acting-User', message: expect.any(String) }]);
      const ops = await search(hr, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber }, { key: OPS_KEY });
      expect(ops.statusCode).toBe(403);
      expect(ops.json().error).toBe('FORBIDDEN');
      expect(ops.headers['cache-control']).toBe('no-store');
      const none = await search(hr, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber }, { key: 'not-a-key' });
      expect(none.statusCode).toBe(401);
      const portalReadsAudit = await inject({ method: 'GET', url: '/v1/audit/events', headers: { authorization: `Bearer ${PORTAL_KEY}` } });
      expect(portalReadsAudit.statusCode).toBe(403);
    });

    it('should refuse a body over 64 KiB with 413', async () => {
      const res = await search(hr, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber, padding: 'x'.repeat(70 * 1024) });
      expect(res.statusCode).toBe(413);
      expect(res.headers['cache-control']).toBe('no-store');
    });
  });

  describe('authorisation', () => {
    const expectRefused = async (actor: string, vpd: string, reason: string, accessState: string) => {
      const before = proxy.esrRequests.length;
      const res = await search(actor, { vpd, employeeNumber: subject.employeeNumber });
      expect(res.statusCode).toBe(403);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json()).toEqual({ error: 'ESR_ACCESS_NOT_ACTIVE', message: reason, requestId: res.headers['x-request-id'] });
      expect(proxy.esrRequests.length).toBe(before);
      const row = await auditRow(res.headers['x-request-id']);
      // The audit keeps the acting user in its canonical (lower-case) form.
      const canonical = actor.toLowerCase();
      expect(row).toMatchObject({
        type: 'CREDENTIAL_SEARCH_REFUSED',
        outcome: 'ACCESS_NOT_ACTIVE',
        actor: canonical,
        vpd,
        employee_number: null,
      });
      expect(row.details).toMatchObject({
        criteriaKind: 'employeeNumber',
        criteriaHash: hmac(['employeeNumber', subject.employeeNumber]),
        accessState,
      });
    };

    /** Maps a new user to a sandbox fixture and expects that state; returns the user and the access reason. */
    const userOnFixture = async (key: string, state: string): Promise<{ user: string; reason: string }> => {
      const user = `fixture.${key}@nhs.net`;
      await mapUser(user, HOME_VPD, sandbox.admin.fixture(key as never).employeeNumber);
      const mapping = (await accessOf(user)).mappings[0];
      expect(mapping?.state).toBe(state);
      return { user, reason: mapping?.reason };
    };

    it('should refuse a user whose role is not yet effective (pending), with the access reason sentence', async () => {
      const { user, reason } = await userOnFixture('assignedWithin24h', 'PENDING_ACTIVATION');
      await expectRefused(user, HOME_VPD, reason, 'PENDING_ACTIVATION');
    });

    it('should refuse a user whose ESR record has no role', async () => {
      const { user, reason } = await userOnFixture('withoutRole', 'NO_ROLE');
      await expectRefused(user, HOME_VPD, reason, 'NO_ROLE');
    });

    it('should refuse a user whose ESR record is inactive', async () => {
      const { user, reason } = await userOnFixture('leaver', 'RECORD_INACTIVE');
      await expectRefused(user, HOME_VPD, reason, 'RECORD_INACTIVE');
    });

    it('should refuse a user ACTIVE in 979 searching another VPD, saying nothing is mapped there', async () => {
      const other = sandbox.admin.vpds().find((v) => v.vpd !== HOME_VPD)?.vpd as string;
      const user = await newActiveUser();
      await expectRefused(user, other, AccessReasons.notMapped(other), 'NOT_MAPPED');
    });

    it('should refuse a portal user with no mapping at all', async () => {
      await expectRefused('nobody@nhs.net', HOME_VPD, AccessReasons.notMapped(HOME_VPD), 'NOT_MAPPED');
    });
  });

  describe('rate limit', () => {
    it('should answer 429 with Retry-After once a user has searched SEARCH_RATE_LIMIT_PER_MINUTE times this minute', async () => {
      const user = await newActiveUser();
      for (let i = 0; i < RATE_LIMIT; i++)
        expect((await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber })).statusCode).toBe(200);
      const before = proxy.esrRequests.length;
      const res = await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber });
      expect(res.statusCode).toBe(429);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json()).toMatchObject({ error: 'RATE_LIMITED' });
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(proxy.esrRequests.length).toBe(before);
      const row = await auditRow(res.headers['x-request-id']);
      expect(row).toMatchObject({ type: 'CREDENTIAL_SEARCH_REFUSED', outcome: 'RATE_LIMITED', actor: user, vpd: HOME_VPD });
      // Other users are not affected.
      expect((await search(await newActiveUser(), { vpd: HOME_VPD, employeeNumber: subject.employeeNumber })).statusCode).toBe(200);
    });
  });

  describe('ESR failures', () => {
    it('should answer 503 ESR_UNAVAILABLE with ESR Retry-After while ESR throttles every request', async () => {
      sandbox.admin.setFaults({ throttle: { retryAfterSeconds: 3 } });
      const user = await newActiveUser();
      const res = await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('3');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json()).toMatchObject({ error: 'ESR_UNAVAILABLE' });
      const row = await auditRow(res.headers['x-request-id']);
      expect(row).toMatchObject({ type: 'CREDENTIAL_SEARCH', outcome: 'ESR_UNAVAILABLE', employee_number: null });
      expect(row.details).toMatchObject({ criteriaKind: 'employeeNumber', matchCount: null });
    });

    it('should answer 504 ESR_TIMEOUT when ESR is slower than ESR_REQUEST_TIMEOUT', async () => {
      // Mapped first: saving a mapping looks the record up in ESR too.
      const user = await newActiveUser();
      sandbox.admin.setFaults({ latencyMs: 2500 });
      const res = await search(user, { vpd: HOME_VPD, assignmentNumber: subject.primaryAssignmentNumber });
      expect(res.statusCode).toBe(504);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json()).toMatchObject({ error: 'ESR_TIMEOUT' });
      const row = await auditRow(res.headers['x-request-id']);
      expect(row).toMatchObject({ type: 'CREDENTIAL_SEARCH', outcome: 'ESR_TIMEOUT' });
      expect(row.details).toMatchObject({ criteriaKind: 'assignmentNumber' });
      sandbox.admin.clearFaults();
      expect((await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber })).statusCode).toBe(200);
    });

    it('should answer 503 with Retry-After while ESR is down, then fail fast while the circuit breaker is open', async () => {
      const user = await newActiveUser();
      sandbox.admin.setFaults({ maintenance: { retryAfterSeconds: 7 } });
      for (let i = 0; i < 2; i++) {
        const res = await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber });
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBe('7');
        expect((await auditRow(res.headers['x-request-id'])).outcome).toBe('ESR_UNAVAILABLE');
      }
      // Four failed attempts in a row opened the breaker: no call reaches ESR now.
      const before = proxy.esrRequests.length;
      const open = await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber });
      expect(open.statusCode).toBe(503);
      expect(open.json()).toMatchObject({ error: 'ESR_UNAVAILABLE' });
      expect(Number(open.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(open.headers['retry-after'])).toBeLessThanOrEqual(2);
      expect(proxy.esrRequests.length).toBe(before);
      expect((await auditRow(open.headers['x-request-id'])).outcome).toBe('ESR_UNAVAILABLE');

      sandbox.admin.clearFaults();
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber })).statusCode).toBe(200);
    }, 30_000);
  });

  describe('staleness', () => {
    it('should refuse every user once the VPD data is older than ACCESS_MAX_STALENESS, and allow again after a sync', async () => {
      const user = await newActiveUser();
      clock.advance(27 * HOUR);
      const access = await accessOf(user);
      expect(access.mappings[0]?.state).toBe('STALE');
      const res = await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: 'ESR_ACCESS_NOT_ACTIVE', message: access.mappings[0]?.reason });
      expect((await auditRow(res.headers['x-request-id'])).details).toMatchObject({ accessState: 'STALE' });
      await syncAll();
      expect((await search(user, { vpd: HOME_VPD, employeeNumber: subject.employeeNumber })).statusCode).toBe(200);
    }, 60_000);
  });

  describe('privacy', () => {
    it('should record every outcome in the audit, readable with the ops key, holding no name, date of birth or NI number', async () => {
      const rows = await t.app
        .get(DataSource)
        .query<AuditRow[]>("SELECT * FROM audit_events WHERE type IN ('CREDENTIAL_SEARCH', 'CREDENTIAL_SEARCH_REFUSED')");
      const outcomes = new Set(rows.map((r) => r.outcome));
      for (const outcome of [
        'MATCHED_ONE',
        'MATCHED_MANY',
        'NO_MATCH',
        'ESR_UNAVAILABLE',
        'ESR_TIMEOUT',
        'ACCESS_NOT_ACTIVE',
        'RATE_LIMITED',
      ])
        expect(outcomes).toContain(outcome);
      const stored = JSON.stringify(rows);
      for (const value of personal) expect(stored).not.toMatch(new RegExp(`\\b${escapeRegExp(value)}\\b`));

      const api = await inject({
        method: 'GET',
        url: `/v1/audit/events?type=CREDENTIAL_SEARCH&actor=${encodeURIComponent(hr)}`,
        headers: { authorization: `Bearer ${OPS_KEY}` },
      });
      expect(api.statusCode).toBe(200);
      const items = api.json().items as Array<{ type: string; actor: string; outcome: string; details: Record<string, unknown> }>;
      expect(items.length).toBeGreaterThan(0);
      for (const item of items)
        expect(item).toMatchObject({
          type: 'CREDENTIAL_SEARCH',
          actor: hr,
          details: { criteriaHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
        });
      const answered = JSON.stringify(api.json());
      for (const value of personal) expect(answered).not.toMatch(new RegExp(`\\b${escapeRegExp(value)}\\b`));
    });

    it('should write no name, date of birth or NI number to the logs, even at debug level', async () => {
      const text = logs.join('');
      expect(personal.size).toBeGreaterThanOrEqual(8);
      expect(text).toMatch(/"level":20,[^\n]*"msg":"Credential search started"/);
      expect(text).toContain('Credential search answered');
      expect(text).toContain('Credential search refused');
      expect(text).toContain('/v1/credential-searches');
      for (const value of personal) expect(text).not.toMatch(new RegExp(`\\b${escapeRegExp(value)}\\b`));
    });

    it("should write each search's log lines as JSON with its class and the request's id", () => {
      const lines = logs
        .join('')
        .split('\n')
        .filter((line) => line.includes('"msg":"Credential search answered"'));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(JSON.parse(line)).toMatchObject({ context: 'SearchesService', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      }
    });

    it('should expose the searches metric by outcome', async () => {
      const res = await inject({ method: 'GET', url: '/metrics' });
      expect(res.body).toMatch(/esr_gateway_credential_searches_total\{outcome="MATCHED_ONE"\} \d+/);
      expect(res.body).toMatch(/esr_gateway_credential_searches_total\{outcome="RATE_LIMITED"\} 1/);
      for (const value of personal) expect(res.body).not.toMatch(new RegExp(`\\b${escapeRegExp(value)}\\b`));
    });
  });
});

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
