import { RoleAssignment, RoleAssignmentChange, RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { EsrContract } from './esr-contract';
import { ROLE, START, startTestSandbox, TestClient, TestClock, Page } from './sandbox-client';

const TOKEN = '/oauth2/token';
const VPDS = '/esr/v1/vpds';
const LISTING = '/esr/v1/vpds/{vpd}/supplementary-role-assignments';
const CHANGES = '/esr/v1/vpds/{vpd}/supplementary-role-assignments/changes';
const SEARCH = '/esr/v1/vpds/{vpd}/people';
const PERSON = '/esr/v1/vpds/{vpd}/people/{employeeNumber}';

describe(startSandbox.name, () => {
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

  /** A 3-digit VPD code the sandbox does not have. */
  const unknownVpd = (): string =>
    Array.from({ length: 1000 }, (_, n) => n.toString().padStart(3, '0')).find(
      (c) => !sandbox.admin.vpds().some((v) => v.vpd === c),
    ) as string;
  const otherVpd = (): string => sandbox.admin.vpds().find((v) => v.vpd !== '979')?.vpd as string;

  const listing = (vpd: string, query: Record<string, string | undefined> = {}) =>
    client.get(`/esr/v1/vpds/${vpd}/supplementary-role-assignments`, { roleName: ROLE, ...query });
  const changes = (vpd: string, since: string, query: Record<string, string | undefined> = {}) =>
    client.get(`/esr/v1/vpds/${vpd}/supplementary-role-assignments/changes`, { roleName: ROLE, since, ...query });

  /** Every page of a full listing (checked against the contract on the way). */
  async function listAll(vpd: string, limit: number, employeeNumber?: string) {
    const pages: Page<RoleAssignment>[] = [];
    const extractDates = new Set<string | null>();
    let cursor: string | undefined;
    do {
      const response = await listing(vpd, { limit: String(limit), cursor, employeeNumber });
      expect(contract.problems(LISTING, 'get', response)).toEqual([]);
      expect(response.status).toBe(200);
      extractDates.add(response.headers.get('x-esr-extract-date'));
      const page = response.body as Page<RoleAssignment>;
      pages.push(page);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { pages, items: pages.flatMap((p) => p.items), watermarks: new Set(pages.map((p) => p.watermark)), extractDates };
  }

  async function allChanges(vpd: string, since: string, limit = 500) {
    const pages: Page<RoleAssignmentChange>[] = [];
    let cursor: string | undefined;
    do {
      const response = await changes(vpd, since, { limit: String(limit), cursor });
      expect(contract.problems(CHANGES, 'get', response)).toEqual([]);
      expect(response.status).toBe(200);
      const page = response.body as Page<RoleAssignmentChange>;
      pages.push(page);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { pages, items: pages.flatMap((p) => p.items), watermarks: new Set(pages.map((p) => p.watermark)) };
  }

  describe('POST /oauth2/token', () => {
    it('should issue a Bearer token that lives 300 seconds by default', async () => {
      const response = await client.requestToken({
        grant_type: 'client_credentials',
        client_id: 'esr-gateway-sandbox',
        client_secret: 'sandbox-secret',
        scope: 'esr.read',
      });
      expect(contract.problems(TOKEN, 'post', response)).toEqual([]);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it.each([
      ['a missing grant_type', { client_id: 'esr-gateway-sandbox', client_secret: 'sandbox-secret' }],
      ['another grant_type', { grant_type: 'password', client_id: 'esr-gateway-sandbox', client_secret: 'sandbox-secret' }],
      ['missing client credentials', { grant_type: 'client_credentials' }],
      [
        'an unknown scope',
        { grant_type: 'client_credentials', client_id: 'esr-gateway-sandbox', client_secret: 'sandbox-secret', scope: 'esr.write' },
      ],
    ])('should answer 400 for %s', async (_case, form) => {
      const response = await client.requestToken(form);
      expect(contract.problems(TOKEN, 'post', response)).toEqual([]);
      expect(response.status).toBe(400);
    });

    it('should answer 400 for a body that is not form-encoded', async () => {
      const response = await fetch(`${sandbox.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials' }),
      });
      expect(response.status).toBe(400);
      await expect(response.json()).resolves.toMatchObject({ error: 'invalid_request' });
    });

    it.each([
      ['a wrong secret', { grant_type: 'client_credentials', client_id: 'esr-gateway-sandbox', client_secret: 'wrong' }],
      ['an unknown client', { grant_type: 'client_credentials', client_id: 'someone-else', client_secret: 'sandbox-secret' }],
    ])('should answer 401 for %s', async (_case, form) => {
      const response = await client.requestToken(form);
      expect(contract.problems(TOKEN, 'post', response)).toEqual([]);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_client' });
    });

    it('should reject a token with 401 once it has expired', async () => {
      const token = await client.login();
      clock.advance(299_000);
      await expect(client.get(VPDS, {}, token)).resolves.toMatchObject({ status: 200 });
      clock.advance(1_000);
      const response = await client.get(VPDS, {}, token);
      expect(contract.problems(VPDS, 'get', response)).toEqual([]);
      expect(response).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
    });

    it('should make tokens live tokenTtlSeconds when configured', async () => {
      const other = await startSandbox({ port: 0, tokenTtlSeconds: 60, now: clock.now });
      try {
        const response = await new TestClient(other).requestToken({
          grant_type: 'client_credentials',
          client_id: 'esr-gateway-sandbox',
          client_secret: 'sandbox-secret',
        });
        expect(response.body).toMatchObject({ expires_in: 60 });
      } finally {
        await other.close();
      }
    });

    it.each([
      ['no token', null],
      ['an unknown token', 'not-a-token'],
    ])('should answer 401 to an ESR call with %s', async (_case, token) => {
      for (const [route, path] of [
        [VPDS, VPDS],
        [LISTING, `/esr/v1/vpds/979/supplementary-role-assignments?roleName=x`],
        [CHANGES, `/esr/v1/vpds/979/supplementary-role-assignments/changes?roleName=x&since=x`],
        [SEARCH, `/esr/v1/vpds/979/people?employeeNumber=30581377`],
        [PERSON, `/esr/v1/vpds/979/people/30581377`],
      ] as const) {
        const response = await client.get(path, {}, token);
        expect(contract.problems(route, 'get', response)).toEqual([]);
        expect(response.status).toBe(401);
      }
    });
  });

  describe('GET /esr/v1/vpds', () => {
    it('should list the configured number of VPDs, 979 among them', async () => {
      const response = await client.get(VPDS);
      expect(contract.problems(VPDS, 'get', response)).toEqual([]);
      const items = (response.body as { items: { vpd: string; active: boolean }[] }).items;
      expect(items).toHaveLength(3);
      expect(items.map((v) => v.vpd)).toContain('979');
      expect(new Set(items.map((v) => v.vpd)).size).toBe(3);
    });
  });

  describe('GET /esr/v1/vpds/{vpd}/supplementary-role-assignments', () => {
    it('should page through a whole VPD with one watermark and one extract date', async () => {
      const { pages, items, watermarks, extractDates } = await listAll('979', 7);
      expect(pages.length).toBeGreaterThan(2);
      expect(pages.slice(0, -1).every((p) => p.items.length === 7)).toBe(true);
      expect(watermarks.size).toBe(1);
      expect([...extractDates]).toEqual(['2026-11-25T10:00:00.000+00:00']);
      expect(new Set(items.map((i) => i.assignmentId)).size).toBe(items.length);
      expect(items).toHaveLength(sandbox.admin.countRoleAssignments('979'));
      expect(items.every((i) => i.vpd === '979' && i.roleName === ROLE && i.roleCategory === 'NHS Supplementary Role')).toBe(true);
    });

    it('should add up to the configured 60 role assignments across VPDs', async () => {
      const vpds = sandbox.admin.vpds().map((v) => v.vpd);
      let total = 0;
      for (const vpd of vpds) total += (await listAll(vpd, 1000)).items.length;
      expect(total).toBe(60);
    });

    it('should hold employee 30581377 in VPD 979 with an active role assigned long ago', async () => {
      const { items } = await listAll('979', 1000, '30581377');
      expect(items).toEqual([
        expect.objectContaining({
          employeeNumber: '30581377',
          effectiveEndDate: null,
          person: { active: true, systemPersonType: 'EMP', title: 'Mr', firstName: 'Jordan', lastName: 'Ashworth' },
        }),
      ]);
      expect(Date.parse(items[0].createdAt)).toBeLessThan(START - 24 * 3_600_000);
    });

    it('should hold the awkward cases as the contract describes them', async () => {
      const { items } = await listAll('979', 1000);
      const byKey = (key: Parameters<typeof sandbox.admin.fixture>[0]) =>
        items.find((i) => i.employeeNumber === sandbox.admin.fixture(key).employeeNumber);
      expect(Date.parse(byKey('assignedWithin24h')?.createdAt ?? '')).toBeGreaterThan(START - 24 * 3_600_000);
      expect(byKey('futureDated')?.effectiveStartDate).toBe('2026-12-02');
      expect(byKey('endDatedToday')?.effectiveEndDate).toBe('2026-11-25');
      expect(byKey('endDatedYesterday')).toBeUndefined();
      expect(byKey('deletedInError')).toBeUndefined();
      expect(byKey('withoutRole')).toBeUndefined();
      expect(byKey('leaver')).toMatchObject({ effectiveEndDate: null, person: { active: false, systemPersonType: 'EX_EMP' } });
      expect(byKey('springForwardBefore')?.createdAt).toBe('2026-03-29T00:30:00.000+00:00');
      expect(byKey('springForwardAfter')?.createdAt).toBe('2026-03-29T02:30:00.000+01:00');
      expect(byKey('fallBackBefore')?.createdAt).toBe('2026-10-25T01:30:00.000+01:00');
      expect(byKey('fallBackAfter')?.createdAt).toBe('2026-10-25T01:30:00.000+00:00');
      expect(byKey('fallBackAfter')?.effectiveStartDate).toBe('2026-10-25');
    });

    it('should drop a role end-dated today from the listing the next day', async () => {
      clock.advance(24 * 3_600_000);
      await client.login();
      const { items, extractDates } = await listAll('979', 1000);
      expect([...extractDates]).toEqual(['2026-11-26T10:00:00.000+00:00']);
      expect(items.find((i) => i.employeeNumber === sandbox.admin.fixture('endDatedToday').employeeNumber)).toBeUndefined();
    });

    it('should filter by employee number', async () => {
      const holder = sandbox.admin.findRoleHolder('979', 3);
      await expect(listAll('979', 10, holder.employeeNumber)).resolves.toMatchObject({
        items: [expect.objectContaining({ assignmentId: holder.assignmentId, employeeNumber: holder.employeeNumber })],
      });
      const nonHolder = sandbox.admin.findPersonWithoutRole('979');
      await expect(listAll('979', 10, nonHolder.employeeNumber)).resolves.toMatchObject({ items: [] });
      await expect(listAll('979', 10, '10000000')).resolves.toMatchObject({ items: [] });
      await expect(listAll(otherVpd(), 10, holder.employeeNumber)).resolves.toMatchObject({ items: [] });
    });

    it('should keep one snapshot across pages while ESR changes, and show the change since its watermark', async () => {
      const first = await listing('979', { limit: '5' });
      const page = first.body as Page<RoleAssignment>;
      const newcomer = sandbox.admin.findPersonWithoutRole('979', 1);
      const assigned = sandbox.admin.assignRole('979', newcomer.employeeNumber);
      const ended = sandbox.admin.endDateRole(page.items[0]?.assignmentId, '2026-11-01');
      let cursor = page.nextCursor;
      const rest: RoleAssignment[] = [];
      while (cursor) {
        const next = (await listing('979', { limit: '5', cursor })).body as Page<RoleAssignment>;
        expect(next.watermark).toBe(page.watermark);
        rest.push(...next.items);
        cursor = next.nextCursor;
      }
      expect(rest.find((i) => i.assignmentId === assigned.assignmentId)).toBeUndefined();
      const feed = await allChanges('979', page.watermark);
      expect(feed.items.map((c) => [c.op, c.assignmentId])).toEqual([
        ['upsert', assigned.assignmentId],
        ['upsert', ended.assignmentId],
      ]);
      const now = await listAll('979', 1000);
      expect(now.items.map((i) => i.assignmentId)).toContain(assigned.assignmentId);
      expect(now.items.map((i) => i.assignmentId)).not.toContain(ended.assignmentId);
      sandbox.admin.deleteRole(assigned.assignmentId);
      sandbox.admin.endDateRole(ended.assignmentId, '2027-01-01');
    });

    it.each([
      ['no roleName', { roleName: undefined }],
      ['an empty roleName', { roleName: '' }],
      ['limit 0', { limit: '0' }],
      ['limit 1001', { limit: '1001' }],
      ['a limit that is not a number', { limit: 'ten' }],
      ['a malformed employeeNumber', { employeeNumber: '1234' }],
      ['a cursor that was never issued', { cursor: 'abc.def' }],
    ])('should answer 400 for %s', async (_case, query) => {
      const response = await listing('979', query);
      expect(contract.problems(LISTING, 'get', response)).toEqual([]);
      expect(response.status).toBe(400);
    });

    it('should answer 400 for a cursor of another listing', async () => {
      const cursor = ((await listing(otherVpd(), { limit: '1' })).body as Page<RoleAssignment>).nextCursor as string;
      const response = await listing('979', { cursor, limit: '1' });
      expect(contract.problems(LISTING, 'get', response)).toEqual([]);
      expect(response).toMatchObject({ status: 400, body: { error: 'invalid_cursor' } });
    });

    it.each([
      ['an unknown VPD', () => unknownVpd()],
      ['a malformed VPD', () => 'abc'],
    ])('should answer 404 for %s', async (_case, vpd) => {
      const response = await listing(vpd());
      expect(contract.problems(LISTING, 'get', response)).toEqual([]);
      expect(response.status).toBe(404);
    });

    it('should list nothing for another role', async () => {
      const response = await listing('979', { roleName: 'Some Other Role' });
      expect(contract.problems(LISTING, 'get', response)).toEqual([]);
      expect(response.body).toMatchObject({ items: [], nextCursor: null });
    });
  });

  describe('GET /esr/v1/vpds/{vpd}/supplementary-role-assignments/changes', () => {
    it('should give the seeded history since the baseline watermark, in order', async () => {
      const { items, watermarks } = await allChanges('979', sandbox.admin.baselineWatermark());
      const key = (assignmentId: string) => sandbox.admin.fixtures().find((f) => f.assignmentId === assignmentId)?.key;
      const seeded = items.slice(0, 6);
      expect(seeded.map((c) => [c.op, key(c.assignmentId)])).toEqual([
        ['upsert', 'endDatedYesterday'],
        ['upsert', 'deletedInError'],
        ['upsert', 'futureDated'],
        ['delete', 'deletedInError'],
        ['upsert', 'endDatedToday'],
        ['upsert', 'assignedWithin24h'],
      ]);
      expect(seeded[0]?.assignment?.effectiveEndDate).toBe('2026-11-24');
      expect(seeded[3]?.assignment).toBeUndefined();
      expect(watermarks.size).toBe(1);
    });

    it('should page the changes with one watermark', async () => {
      const all = await allChanges('979', sandbox.admin.baselineWatermark());
      const paged = await allChanges('979', sandbox.admin.baselineWatermark(), 2);
      expect(paged.pages.length).toBe(Math.ceil(all.items.length / 2));
      expect(paged.items).toEqual(all.items);
      expect(paged.watermarks.size).toBe(1);
    });

    it('should answer no changes since a fresh watermark, then the admin change with its time', async () => {
      const { watermark } = (await listing('979', { limit: '1' })).body as Page<RoleAssignment>;
      const quiet = await changes('979', watermark);
      expect(contract.problems(CHANGES, 'get', quiet)).toEqual([]);
      expect(quiet.headers.get('x-esr-extract-date')).toBe('2026-11-25T10:00:00.000+00:00');
      expect(quiet.body).toMatchObject({ items: [], nextCursor: null });
      clock.advance(60_000);
      const newcomer = sandbox.admin.findPersonWithoutRole('979', 2);
      const assigned = sandbox.admin.assignRole('979', newcomer.employeeNumber);
      const feed = await allChanges('979', (quiet.body as Page<RoleAssignmentChange>).watermark);
      expect(feed.items).toEqual([
        { op: 'upsert', assignmentId: assigned.assignmentId, changedAt: '2026-11-25T10:01:00.000+00:00', assignment: assigned },
      ]);
      const after = await allChanges('979', [...feed.watermarks][0]);
      expect(after.items).toEqual([]);
      sandbox.admin.deleteRole(assigned.assignmentId);
    });

    it('should keep changes of one VPD out of another', async () => {
      const { items } = await allChanges(otherVpd(), sandbox.admin.baselineWatermark());
      expect(items.every((c) => c.assignmentId.startsWith(`sra-${otherVpd()}-`))).toBe(true);
    });

    it('should answer 410 for a watermark older than 7 days', async () => {
      const { watermark } = (await listing('979', { limit: '1' })).body as Page<RoleAssignment>;
      clock.advance(7 * 24 * 3_600_000);
      await client.login();
      await expect(changes('979', watermark)).resolves.toMatchObject({ status: 200 });
      clock.advance(1);
      const response = await changes('979', watermark);
      expect(contract.problems(CHANGES, 'get', response)).toEqual([]);
      expect(response).toMatchObject({ status: 410, body: { error: 'watermark_expired' } });
    });

    it.each(['not-a-watermark', 'WyJ3IiwxLDFd.AAAAAAAAAAAAAAAA'])('should answer 410 for the unknown watermark %s', async (since) => {
      const response = await changes('979', since);
      expect(contract.problems(CHANGES, 'get', response)).toEqual([]);
      expect(response.status).toBe(410);
    });

    it('should answer 410 for a watermark of an earlier sandbox run', async () => {
      const earlier = await startSandbox({ port: 0, now: clock.now });
      const watermark = earlier.admin.watermark();
      await earlier.close();
      await expect(changes('979', watermark)).resolves.toMatchObject({ status: 410 });
    });

    it.each([
      ['no since', () => '979', { since: undefined }],
      ['no roleName', () => '979', { roleName: undefined }],
      ['a bad limit', () => '979', { limit: '-1' }],
      ['an unknown VPD', () => unknownVpd(), {}],
    ])('should answer 400 for %s', async (_case, vpd, query) => {
      const response = await changes(vpd(), sandbox.admin.watermark(), query);
      expect(contract.problems(CHANGES, 'get', response)).toEqual([]);
      expect(response.status).toBe(400);
    });
  });

  describe('GET /esr/v1/vpds/{vpd}/people', () => {
    const search = (query: Record<string, string>, vpd = '979') => client.get(`/esr/v1/vpds/${vpd}/people`, query);

    it('should find a person by employee number', async () => {
      const response = await search({ employeeNumber: '30581377' });
      expect(contract.problems(SEARCH, 'get', response)).toEqual([]);
      expect(response.body).toEqual({
        items: [expect.objectContaining({ employeeNumber: '30581377', vpd: '979', firstName: 'Jordan', lastName: 'Ashworth' })],
      });
    });

    it('should find a person by assignment number, -N suffixes included', async () => {
      for (const assignmentNumber of ['30581377', '30581377-2']) {
        const response = await search({ assignmentNumber });
        expect(contract.problems(SEARCH, 'get', response)).toEqual([]);
        expect(response.body).toEqual({ items: [expect.objectContaining({ employeeNumber: '30581377' })] });
      }
      await expect(search({ assignmentNumber: '30581377-9' })).resolves.toMatchObject({ status: 200, body: { items: [] } });
    });

    it('should find a person by last name, date of birth and NI number, all exact', async () => {
      const holder = sandbox.admin.findRoleHolder('979', 1);
      const person = sandbox.admin.getPerson('979', holder.employeeNumber);
      const niNumber = sandbox.admin.niNumber('979', holder.employeeNumber) as string;
      expect(niNumber).toMatch(/^[A-Z]{2}\d{6}[A-D]$/);
      const query = { lastName: person?.lastName as string, dateOfBirth: person?.dateOfBirth as string, niNumber };
      const response = await search(query);
      expect(contract.problems(SEARCH, 'get', response)).toEqual([]);
      expect(response.body).toEqual({ items: [expect.objectContaining({ employeeNumber: holder.employeeNumber })] });
      await expect(search({ ...query, lastName: 'Nobody' })).resolves.toMatchObject({ body: { items: [] } });
      await expect(search({ ...query, dateOfBirth: '1900-01-01' })).resolves.toMatchObject({ body: { items: [] } });
      await expect(search(query, otherVpd())).resolves.toMatchObject({ body: { items: [] } });
    });

    it('should answer no match with an empty list', async () => {
      const response = await search({ employeeNumber: '10000000' });
      expect(contract.problems(SEARCH, 'get', response)).toEqual([]);
      expect(response.body).toEqual({ items: [] });
    });

    it.each([
      ['no criteria', {}],
      ['employeeNumber and assignmentNumber', { employeeNumber: '30581377', assignmentNumber: '30581377' }],
      ['employeeNumber and lastName', { employeeNumber: '30581377', lastName: 'Ashworth' }],
      ['lastName alone', { lastName: 'Ashworth' }],
      ['lastName and dateOfBirth', { lastName: 'Ashworth', dateOfBirth: '1980-01-01' }],
      [
        'all five',
        { employeeNumber: '30581377', assignmentNumber: '30581377', lastName: 'A', dateOfBirth: '1980-01-01', niNumber: 'AB123456C' },
      ],
      ['an unknown criterion', { firstName: 'Jordan' }],
      ['a malformed employeeNumber', { employeeNumber: '3058137' }],
      ['a malformed assignmentNumber', { assignmentNumber: '30581377-123' }],
      ['an impossible date of birth', { lastName: 'A', dateOfBirth: '1980-02-30', niNumber: 'AB123456C' }],
      ['a malformed NI number', { lastName: 'A', dateOfBirth: '1980-01-01', niNumber: 'AB123456E' }],
      ['a last name over 100 characters', { lastName: 'x'.repeat(101), dateOfBirth: '1980-01-01', niNumber: 'AB123456C' }],
    ])('should answer 400 for %s', async (_case, query) => {
      const response = await search(query);
      expect(contract.problems(SEARCH, 'get', response)).toEqual([]);
      expect(response.status).toBe(400);
    });

    it('should answer 403 for a VPD the client may not read', async () => {
      const response = await search({ employeeNumber: '30581377' }, unknownVpd());
      expect(contract.problems(SEARCH, 'get', response)).toEqual([]);
      expect(response.status).toBe(403);
    });
  });

  describe('GET /esr/v1/vpds/{vpd}/people/{employeeNumber}', () => {
    it('should return full records that match the contract for the fixtures and generated people', async () => {
      const people = [
        ...sandbox.admin.fixtures().map((f) => f.employeeNumber),
        ...Array.from({ length: 12 }, (_, n) => sandbox.admin.findRoleHolder('979', n).employeeNumber),
        ...Array.from({ length: 12 }, (_, n) => sandbox.admin.findPersonWithoutRole('979', n).employeeNumber),
      ];
      for (const employeeNumber of people) {
        const response = await client.get(`/esr/v1/vpds/979/people/${employeeNumber}`);
        expect(contract.problems(PERSON, 'get', response)).toEqual([]);
        expect(response.body).toMatchObject({ employeeNumber, vpd: '979' });
      }
    });

    it('should give 30581377 two assignments, the second with a -2 suffix', async () => {
      const response = await client.get('/esr/v1/vpds/979/people/30581377');
      expect(response.body).toMatchObject({
        systemPersonType: 'EMP',
        primaryAssignmentNumber: '30581377',
        assignments: [{ assignmentNumber: '30581377', primary: true, status: 'ACTIVE' }, { assignmentNumber: '30581377-2' }],
      });
      expect((response.body as { niNumberMasked: string }).niNumberMasked).toMatch(/^[A-Z]{2}\*{4}\d{2}[A-D]$/);
    });

    it('should show the leaver as an ex-employee with terminated assignments', async () => {
      const leaver = sandbox.admin.fixture('leaver');
      const response = await client.get(`/esr/v1/vpds/979/people/${leaver.employeeNumber}`);
      expect(response.body).toMatchObject({ systemPersonType: 'EX_EMP', actualTerminationDate: '2026-11-15' });
      const assignments = (response.body as { assignments: { status: string }[] }).assignments;
      expect(assignments.every((a) => a.status === 'TERMINATED')).toBe(true);
    });

    it.each([
      ['an unknown employee number', '979', '10000000'],
      ['a malformed employee number', '979', '1234'],
      ['an unknown VPD', 'abc', '30581377'],
    ])('should answer 404 for %s', async (_case, vpd, employeeNumber) => {
      const response = await client.get(`/esr/v1/vpds/${vpd}/people/${employeeNumber}`);
      expect(contract.problems(PERSON, 'get', response)).toEqual([]);
      expect(response.status).toBe(404);
    });

    it('should answer 404 for an employee of another VPD', async () => {
      const response = await client.get(`/esr/v1/vpds/${otherVpd()}/people/30581377`);
      expect(response.status).toBe(404);
    });
  });

  describe('determinism', () => {
    async function snapshot(seed: number) {
      const other = await startTestSandbox({ seed, rateLimitPerSecond: 0, vpdCount: 4, roleAssignments: 80 });
      try {
        const vpds = (await other.client.get(VPDS)).body as { items: { vpd: string }[] };
        const result: unknown[] = [vpds];
        for (const { vpd } of vpds.items) {
          const page = (await other.client.get(`/esr/v1/vpds/${vpd}/supplementary-role-assignments`, { roleName: ROLE }))
            .body as Page<RoleAssignment>;
          result.push(page.items);
          const holder = page.items[page.items.length - 1];
          result.push((await other.client.get(`/esr/v1/vpds/${vpd}/people/${holder.employeeNumber}`)).body);
        }
        return result;
      } finally {
        await other.sandbox.close();
      }
    }

    it('should generate the same data from the same seed, and other data from another', async () => {
      const [a, b, c] = [await snapshot(7), await snapshot(7), await snapshot(8)];
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
    });
  });
});
