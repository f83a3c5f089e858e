import { FakeClock } from '../../src/common/clock/clock';
import { EsrClient } from '../../src/esr/esr.client';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@nhs.net' };

interface Row {
  kind: string;
  employeeNumber: string;
  portalUserId: string | null;
  displayName: string | null;
  reason: string;
}

/**
 * The LSA's to-do list names role holders nobody is mapped to, from the names ESR sends with the role
 * rows (ESR 1.1.0), never asking ESR per row; null where ESR sent none. Real PostgreSQL and Redis,
 * the ESR sandbox with and without names.
 */
describe('Reconciliation rows with names (PostgreSQL, Redis, ESR sandbox)', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));

  async function start(holderNames: boolean): Promise<{ sandbox: RunningSandbox; t: TestApp }> {
    const sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0, holderNames });
    const t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_MAX_ATTEMPTS: '1', ESR_VPDS: '979' }, clock);
    expect(await t.app.get(RunCoordinator).runSync({ mode: 'full', vpd: '979' })).toMatchObject({ status: 'succeeded' });
    return { sandbox, t };
  }

  const rows = async (t: TestApp): Promise<Row[]> => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/vpds/979/reconciliation?kind=UNMAPPED_HOLDER&limit=500', headers: portal });
    expect(res.statusCode).toBe(200);
    return res.json<{ items: Row[] }>().items;
  };
  const csvLines = async (t: TestApp): Promise<string[]> => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/vpds/979/reconciliation?kind=UNMAPPED_HOLDER',
      headers: { ...portal, accept: 'text/csv' },
    });
    expect(res.statusCode).toBe(200);
    return res.body.trim().split('\r\n');
  };

  describe('ESR sends names', () => {
    let sandbox: RunningSandbox;
    let t: TestApp;
    beforeAll(async () => ({ sandbox, t } = await start(true)));
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('should name every unmapped holder as ESR holds them, in JSON and CSV, without one ESR call per row', async () => {
      const getPerson = jest.spyOn(t.app.get(EsrClient), 'getPerson');
      const items = await rows(t);
      expect(items.length).toBeGreaterThan(5);
      for (const item of items) {
        const person = sandbox.admin.getPerson('979', item.employeeNumber)!;
        expect(item.displayName).toBe([person.title, person.firstName, person.lastName].filter(Boolean).join(' '));
      }
      const jordan = items.find((i) => i.employeeNumber === sandbox.admin.fixture('established').employeeNumber);
      expect(jordan).toMatchObject({ displayName: 'Mr Jordan Ashworth', portalUserId: null });
      expect(jordan?.reason).toMatch(
        /^Employee number \d{8} holds the role Digital Passport Administrator in ESR \(in effect since \d{1,2} \w{3} \d{4} at \d{2}:\d{2}, UK time\) but nobody is mapped to the record in VPD 979/,
      );
      expect(jordan?.reason).not.toContain('given access');

      const lines = await csvLines(t);
      expect(lines[0]).toBe('kind,vpd,employeeNumber,portalUserId,displayName,effectiveFrom,reason');
      expect(lines).toHaveLength(items.length + 1);
      expect(lines.some((l) => l.startsWith(`UNMAPPED_HOLDER,979,${jordan?.employeeNumber},,Mr Jordan Ashworth,`))).toBe(true);
      expect(getPerson).not.toHaveBeenCalled();
    });
  });

  describe('ESR sends no names', () => {
    let sandbox: RunningSandbox;
    let t: TestApp;
    beforeAll(async () => ({ sandbox, t } = await start(false)));
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('should give displayName null (JSON) and an empty cell (CSV) rather than asking ESR', async () => {
      const getPerson = jest.spyOn(t.app.get(EsrClient), 'getPerson');
      const items = await rows(t);
      expect(items.length).toBeGreaterThan(5);
      expect(items.every((i) => i.displayName === null)).toBe(true);
      const established = sandbox.admin.fixture('established').employeeNumber;
      expect((await csvLines(t)).some((l) => l.startsWith(`UNMAPPED_HOLDER,979,${established},,,`))).toBe(true);
      expect(getPerson).not.toHaveBeenCalled();
    });
  });
});
