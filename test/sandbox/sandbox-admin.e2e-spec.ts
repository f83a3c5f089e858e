import { RoleAssignment, RoleAssignmentChange, RunningSandbox, SandboxAdmin } from '../../src/sandbox/sandbox.server';
import { EsrContract } from './esr-contract';
import { ROLE, START, startTestSandbox, TestClient, TestClock, Page } from './sandbox-client';

describe(SandboxAdmin.name, () => {
  const contract = new EsrContract();
  let sandbox: RunningSandbox;
  let client: TestClient;
  let clock: TestClock;

  beforeAll(async () => {
    ({ sandbox, client, clock } = await startTestSandbox({ rateLimitPerSecond: 0 }));
  });

  afterAll(async () => {
    await sandbox.close();
  });

  beforeEach(async () => {
    clock.ms = START;
    await client.login();
  });

  const fullListing = async (vpd = '979'): Promise<RoleAssignment[]> =>
    (
      (await client.get(`/esr/v1/vpds/${vpd}/supplementary-role-assignments`, { roleName: ROLE, limit: '1000' }))
        .body as Page<RoleAssignment>
    ).items;

  async function changesSince(watermark: string): Promise<RoleAssignmentChange[]> {
    const response = await client.get('/esr/v1/vpds/979/supplementary-role-assignments/changes', { roleName: ROLE, since: watermark });
    expect(contract.problems('/esr/v1/vpds/{vpd}/supplementary-role-assignments/changes', 'get', response)).toEqual([]);
    return (response.body as Page<RoleAssignmentChange>).items;
  }

  describe('HTTP', () => {
    it('should assign a role, which then shows in the listing and the change feed', async () => {
      const watermark = sandbox.admin.watermark();
      const person = sandbox.admin.findPersonWithoutRole('979');
      clock.advance(4 * 60_000);
      const response = await client.admin('POST', '/sandbox/vpds/979/role-assignments', {
        employeeNumber: person.employeeNumber,
        createdAt: '2026-11-25T09:30:00+00:00',
      });
      expect(response.status).toBe(201);
      const assigned = response.body as RoleAssignment;
      expect(contract.schemaProblems('RoleAssignment', assigned)).toEqual([]);
      expect(assigned).toMatchObject({
        employeeNumber: person.employeeNumber,
        effectiveStartDate: '2026-11-25',
        effectiveEndDate: null,
        createdAt: '2026-11-25T09:30:00.000+00:00',
        person: { active: true, systemPersonType: 'EMP' },
      });
      await expect(fullListing()).resolves.toContainEqual(assigned);
      await expect(changesSince(watermark)).resolves.toEqual([
        { op: 'upsert', assignmentId: assigned.assignmentId, changedAt: '2026-11-25T10:04:00.000+00:00', assignment: assigned },
      ]);
      await expect(client.admin('GET', `/sandbox/role-assignments/${assigned.assignmentId}`)).resolves.toMatchObject({ body: assigned });
    });

    it('should refuse a second current role for the same person with 409', async () => {
      const response = await client.admin('POST', '/sandbox/vpds/979/role-assignments', { employeeNumber: '30581377' });
      expect(response).toMatchObject({ status: 409, body: { error: 'conflict' } });
    });

    it.each([
      ['no employeeNumber', {}],
      ['a malformed employeeNumber', { employeeNumber: '123' }],
      ['an impossible start date', { employeeNumber: '30581377', effectiveStartDate: '2026-02-30' }],
      ['an end before the start', { employeeNumber: '30581377', effectiveStartDate: '2026-12-01', effectiveEndDate: '2026-11-01' }],
      ['createdAt without an offset', { employeeNumber: '30581377', createdAt: '2026-11-25T09:30:00' }],
      ['an unknown field', { employeeNumber: '30581377', roleName: 'Other' }],
      ['a body that is not an object', ['30581377']],
    ])('should refuse %s with 400', async (_case, body) => {
      const response = await client.admin('POST', '/sandbox/vpds/979/role-assignments', body);
      expect(response).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(contract.schemaProblems('Error', response.body)).toEqual([]);
    });

    it('should refuse a body that is not JSON with 400', async () => {
      const response = await fetch(`${sandbox.url}/sandbox/vpds/979/role-assignments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"employeeNumber":',
      });
      expect(response.status).toBe(400);
      await expect(response.json()).resolves.toMatchObject({ error: 'invalid_request' });
    });

    it('should answer 404 for an unknown VPD or person', async () => {
      await expect(client.admin('POST', '/sandbox/vpds/abc/role-assignments', { employeeNumber: '30581377' })).resolves.toMatchObject({
        status: 404,
      });
      await expect(client.admin('POST', '/sandbox/vpds/979/role-assignments', { employeeNumber: '10000000' })).resolves.toMatchObject({
        status: 404,
      });
      await expect(
        client.admin('POST', '/sandbox/role-assignments/sra-979-x999/end-date', { effectiveEndDate: '2026-12-01' }),
      ).resolves.toMatchObject({
        status: 404,
      });
      await expect(client.admin('DELETE', '/sandbox/role-assignments/nonsense')).resolves.toMatchObject({ status: 404 });
    });

    it('should end-date a role: yesterday takes it out of the listing, both ways an upsert in the feed', async () => {
      const watermark = sandbox.admin.watermark();
      const holder = sandbox.admin.findRoleHolder('979', 2);
      const response = await client.admin('POST', `/sandbox/role-assignments/${holder.assignmentId}/end-date`, {
        effectiveEndDate: '2026-11-24',
      });
      expect(response).toMatchObject({ status: 200, body: { assignmentId: holder.assignmentId, effectiveEndDate: '2026-11-24' } });
      const listed = await fullListing();
      expect(listed.map((i) => i.assignmentId)).not.toContain(holder.assignmentId);
      const feed = await changesSince(watermark);
      expect(feed).toEqual([expect.objectContaining({ op: 'upsert', assignmentId: holder.assignmentId, assignment: response.body })]);
      await expect(
        client.admin('POST', `/sandbox/role-assignments/${holder.assignmentId}/end-date`, { effectiveEndDate: '1990-01-01' }),
      ).resolves.toMatchObject({ status: 400 });
      await expect(client.admin('POST', `/sandbox/role-assignments/${holder.assignmentId}/end-date`, {})).resolves.toMatchObject({
        status: 400,
      });
    });

    it('should delete a role: gone from the listing, a delete in the feed, 404 afterwards', async () => {
      const watermark = sandbox.admin.watermark();
      const holder = sandbox.admin.findRoleHolder('979', 4);
      await expect(client.admin('DELETE', `/sandbox/role-assignments/${holder.assignmentId}`)).resolves.toMatchObject({ status: 204 });
      expect((await fullListing()).map((i) => i.assignmentId)).not.toContain(holder.assignmentId);
      await expect(changesSince(watermark)).resolves.toEqual([
        { op: 'delete', assignmentId: holder.assignmentId, changedAt: '2026-11-25T10:00:00.000+00:00' },
      ]);
      await expect(client.admin('DELETE', `/sandbox/role-assignments/${holder.assignmentId}`)).resolves.toMatchObject({ status: 404 });
      await expect(client.admin('GET', `/sandbox/role-assignments/${holder.assignmentId}`)).resolves.toMatchObject({ status: 404 });
    });

    it('should deactivate a role holder: the person leaves, their role row says so in the listing and the feed', async () => {
      const watermark = sandbox.admin.watermark();
      const holder = sandbox.admin.findRoleHolder('979', 5);
      const response = await client.admin('POST', `/sandbox/vpds/979/people/${holder.employeeNumber}/deactivate`, {
        terminationDate: '2026-11-20',
      });
      expect(response.status).toBe(200);
      expect(contract.schemaProblems('Person', response.body)).toEqual([]);
      expect(response.body).toMatchObject({ systemPersonType: 'EX_EMP', actualTerminationDate: '2026-11-20' });
      const row = (await fullListing()).find((i) => i.assignmentId === holder.assignmentId);
      expect(row?.person).toMatchObject({ active: false, systemPersonType: 'EX_EMP' });
      await expect(changesSince(watermark)).resolves.toEqual([
        expect.objectContaining({
          op: 'upsert',
          assignmentId: holder.assignmentId,
          assignment: expect.objectContaining({ person: row?.person }),
        }),
      ]);
      const person = await client.get(`/esr/v1/vpds/979/people/${holder.employeeNumber}`);
      expect(person.body).toMatchObject({ systemPersonType: 'EX_EMP' });
      await expect(
        client.admin('POST', `/sandbox/vpds/979/people/${holder.employeeNumber}/deactivate`, { terminationDate: 'soon' }),
      ).resolves.toMatchObject({
        status: 400,
      });
      await expect(client.admin('POST', '/sandbox/vpds/979/people/10000000/deactivate')).resolves.toMatchObject({ status: 404 });
    });

    it('should describe itself, its fixtures and people', async () => {
      const info = await client.admin('GET', '/sandbox');
      expect(info.body).toMatchObject({
        vpds: expect.any(Array),
        fixtures: expect.any(Array),
        rateLimitPerSecond: 0,
        watermark: expect.any(String),
      });
      const fixtures = await client.admin('GET', '/sandbox/fixtures');
      expect((fixtures.body as { items: { key: string }[] }).items.map((f) => f.key)).toContain('endDatedYesterday');
      const person = await client.admin('GET', '/sandbox/vpds/979/people/30581377');
      expect(person.body).toMatchObject({ person: { employeeNumber: '30581377' }, roleAssignments: [{ employeeNumber: '30581377' }] });
    });

    it('should answer 404 in the Error shape for unknown routes', async () => {
      const response = await client.admin('GET', '/esr/v2/nothing');
      expect(response).toMatchObject({ status: 404, body: { error: 'not_found' } });
    });
  });

  describe('programmatic', () => {
    it('should keep the count of role assignments in step with changes', async () => {
      const other = await startTestSandbox({ rateLimitPerSecond: 0 });
      try {
        const { admin } = other.sandbox;
        expect(admin.countRoleAssignments()).toBe(60);
        const before = admin.countRoleAssignments('979');
        const person = admin.findPersonWithoutRole('979');
        const assigned = admin.assignRole('979', person.employeeNumber, { effectiveStartDate: '2026-12-01' });
        expect(admin.countRoleAssignments('979')).toBe(before + 1);
        admin.endDateRole(assigned.assignmentId, '2026-12-01');
        expect(admin.countRoleAssignments('979')).toBe(before + 1);
        admin.deleteRole(assigned.assignmentId);
        admin.deleteRole(admin.findRoleHolder('979', 0).assignmentId);
        expect(admin.countRoleAssignments('979')).toBe(before - 1);
        expect(admin.roleAssignmentsOf('979', person.employeeNumber)).toEqual([]);
        other.clock.advance(40 * 24 * 3_600_000);
        expect(admin.countRoleAssignments('979')).toBeLessThanOrEqual(before - 1);
      } finally {
        await other.sandbox.close();
      }
    });

    it('should let a role be assigned again once the old one has ended', async () => {
      const person = sandbox.admin.findPersonWithoutRole('979', 3);
      const first = sandbox.admin.assignRole('979', person.employeeNumber, { createdAt: new Date(START - 3 * 86_400_000) });
      expect(first.createdAt).toBe('2026-11-22T10:00:00.000+00:00');
      expect(() => sandbox.admin.assignRole('979', person.employeeNumber)).toThrow(/already holds/);
      sandbox.admin.endDateRole(first.assignmentId, '2026-11-24');
      const second = sandbox.admin.assignRole('979', person.employeeNumber);
      expect(sandbox.admin.roleAssignmentsOf('979', person.employeeNumber).map((r) => r.assignmentId)).toEqual([
        first.assignmentId,
        second.assignmentId,
      ]);
      const listed = await client.get('/esr/v1/vpds/979/supplementary-role-assignments', {
        roleName: ROLE,
        employeeNumber: person.employeeNumber,
      });
      expect((listed.body as Page<RoleAssignment>).items.map((r) => r.assignmentId)).toEqual([second.assignmentId]);
    });

    it('should find every awkward case', () => {
      const keys = sandbox.admin.fixtures().map((f) => f.key);
      expect(keys).toEqual([
        'established',
        'assignedWithin24h',
        'futureDated',
        'endDatedToday',
        'endDatedYesterday',
        'leaver',
        'springForwardBefore',
        'springForwardAfter',
        'fallBackBefore',
        'fallBackAfter',
        'deletedInError',
        'withoutRole',
      ]);
      expect(sandbox.admin.fixture('established').employeeNumber).toBe('30581377');
      expect(sandbox.admin.getRoleAssignment(sandbox.admin.fixture('deletedInError').assignmentId as string)).toBeUndefined();
      expect(sandbox.admin.getRoleAssignment(sandbox.admin.fixture('endDatedYesterday').assignmentId as string)).toMatchObject({
        effectiveEndDate: '2026-11-24',
      });
    });

    it('should refuse invalid arguments', () => {
      expect(() => sandbox.admin.findRoleHolder('979', 1e9)).toThrow();
      expect(() => sandbox.admin.endDateRole('sra-979-x1', '25/11/2026')).toThrow(/YYYY-MM-DD/);
      expect(() => sandbox.admin.setRateLimit(-1)).toThrow();
      expect(() => sandbox.admin.setFaults({ errorRate: 5 })).toThrow(/errorRate/);
      expect(sandbox.admin.getPerson('979', '10000000')).toBeUndefined();
    });
  });
});
