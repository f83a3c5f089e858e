import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { FakeClock } from '../../src/common/clock/clock';
import { Person, RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { WebhookSender } from '../../src/webhooks/webhook-sender';
import { PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const ROOT = resolve(__dirname, '../..');
const EXAMPLE = join(ROOT, 'clients/typescript/examples/portal.ts');
const VPD = '979';
const HOUR = 3_600_000;
/** A Standard Webhooks secret (`whsec_` + base64 of the key), as the portal and the gateway share it. */
const SECRET = `whsec_${Buffer.from('portal-example-key-of-32-bytes!!').toString('base64')}`;

/** A port nobody listens on now, for the example's webhook receiver (the gateway needs its URL at start). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

interface Line {
  step: string;
  result: unknown;
}

/** The example portal backend (clients/typescript/examples/portal.ts) run as a child process against a real gateway. */
describe('clients/typescript/examples/portal.ts against a gateway', () => {
  const clock = new FakeClock(Date.now()); // real time: the receiver checks the signature's timestamp against its clock
  let sandbox: RunningSandbox;
  let t: TestApp;
  let gatewayUrl: string;
  let webhookPort: number;
  /** The example while it runs (killed in afterAll if a failed test left it running). */
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    webhookPort = await freePort();
    t = await startTestApp(
      {
        ESR_BASE_URL: sandbox.url,
        ESR_VPDS: VPD,
        ESR_MAX_ATTEMPTS: '1',
        ESR_BREAKER_THRESHOLD: '100',
        WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/hooks/esr`,
        WEBHOOK_SECRET: SECRET,
      },
      clock,
    );
    await t.app.listen(0, '127.0.0.1');
    gatewayUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    expect(await t.app.get(RunCoordinator).runSync({ mode: 'full', vpd: VPD })).toMatchObject({ status: 'succeeded' });
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await t?.close();
    await sandbox?.close();
  });

  /** An ESR record whose Digital Passport Administrator role was assigned over a day ago (ACTIVE once mapped). */
  const roleHolder = (): string => {
    for (let n = 0; n < sandbox.admin.generatedRoleSlots(VPD); n++) {
      const { employeeNumber } = sandbox.admin.findRoleHolder(VPD, n);
      const roles = sandbox.admin.roleAssignmentsOf(VPD, employeeNumber);
      const assigned = roles.some((r) => r.effectiveEndDate === null && Date.parse(r.createdAt) < clock.nowMs() - 25 * HOUR);
      const active = sandbox.admin.getPerson(VPD, employeeNumber)?.assignments.some((a) => a.status === 'ACTIVE');
      if (assigned && active) return employeeNumber;
    }
    throw new Error('the sandbox has no ACTIVE role holder');
  };

  /** People without the role: one to search for (with an NI number and several assignments), one for another account. */
  const peopleWithoutRole = (): [Person, Person] => {
    const found: Person[] = [];
    for (let n = 0; n < 300 && found.length < 2; n++) {
      const { employeeNumber } = sandbox.admin.findPersonWithoutRole(VPD, n);
      const person = sandbox.admin.getPerson(VPD, employeeNumber) as Person;
      if (person.assignments.length > 0 && sandbox.admin.niNumber(VPD, employeeNumber) !== null) found.push(person);
    }
    return found as [Person, Person];
  };

  /** Runs the example; while it runs, the gateway's sender delivers due events (as its scheduler would). */
  const runExample = async (data: unknown): Promise<{ lines: Line[]; code: number | null; stderr: string }> => {
    const example = (child = spawn(process.execPath, [EXAMPLE], {
      cwd: join(ROOT, 'clients/typescript'),
      env: {
        PATH: process.env.PATH,
        GATEWAY_URL: gatewayUrl,
        GATEWAY_API_KEY: PORTAL_KEY,
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_PORT: String(webhookPort),
        EXAMPLE_DATA: JSON.stringify(data),
      },
    }));
    let stdout = '';
    let stderr = '';
    example.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    example.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((done) => example.on('exit', (code) => done(code)));
    let running = true;
    const deliver = async () => {
      while (running) {
        if (stdout.includes('"receiver"')) await t.app.get(WebhookSender).sendDue();
        await new Promise((done) => setTimeout(done, 100));
      }
    };
    const delivering = deliver();
    const code = await exited;
    running = false;
    await delivering;
    const lines = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Line);
    return { lines, code, stderr };
  };

  it('should run Manage User, access with ETags, the three searches, the CSV and a verified webhook through the client', async () => {
    const hrEmployeeNumber = roleHolder();
    const [subject, other] = peopleWithoutRole();
    const nonPrimary = subject.assignments.find((a) => !a.primary) ?? subject.assignments[0];
    const data = {
      vpd: VPD,
      lsa: 'lsa.admin@nhs.net',
      hr: { portalUserId: 'hr.user@nhs.net', employeeNumber: hrEmployeeNumber },
      other: { portalUserId: 'other.user@nhs.net', employeeNumber: other.employeeNumber },
      subject: {
        employeeNumber: subject.employeeNumber,
        assignmentNumber: nonPrimary.assignmentNumber,
        lastName: subject.lastName,
        dateOfBirth: subject.dateOfBirth,
        niNumber: sandbox.admin.niNumber(VPD, subject.employeeNumber),
      },
    };

    const { lines, code, stderr } = await runExample(data);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const result = (step: string) => lines.find((line) => line.step === step)?.result;
    expect(lines.map((line) => line.step)).toEqual([
      'receiver',
      'save',
      'save-again',
      'save-taken',
      'list',
      'save-other',
      'delete',
      'access',
      'refresh-batch',
      'searches',
      'search-refused',
      'reconciliation',
      'event',
    ]);
    expect(result('save')).toMatch(/^Saved .+: ACTIVE$/);
    expect(result('save-again')).toBe('This ESR record is already on this account.');
    expect(result('save-taken')).toBe('This ESR record belongs to another portal account: check the employee number.');
    expect(result('list')).toEqual([`${VPD}/${hrEmployeeNumber}`]);
    expect(result('save-other')).toMatch(/^Saved .+: NO_ROLE$/);
    expect(result('delete')).toBe(0);
    expect(result('access')).toEqual({ searchEnabled: true, state: 'ACTIVE', notModified: true });
    expect(result('refresh-batch')).toEqual({ refreshed: true, batch: [true, false] });
    expect(result('searches')).toEqual([
      { matches: 1, credentials: true },
      { matches: 1, credentials: true },
      { matches: 1, credentials: true },
    ]);
    expect(result('search-refused')).toBe('ESR_ACCESS_NOT_ACTIVE');
    expect(result('reconciliation')).toMatchObject({ header: expect.stringContaining('kind'), rows: expect.any(Number) });
    expect(result('event')).toEqual({ type: 'esr-access.changed', cause: 'mapping', searchEnabled: true });
  }, 120_000);
});
