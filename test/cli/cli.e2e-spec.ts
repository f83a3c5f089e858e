/**
 * The esr-gateway CLI against a running gateway (the whole app on a real port, the ESR sandbox, the real
 * PostgreSQL and Redis), with its output piped as a script would see it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { BOTH_KEY, OPS_KEY, PORTAL_KEY } from '../support/test-env';
import { CliGateway, ESCAPE, freePort, runCli, startCliGateway } from './support/cli-harness';

const VPD = '979';
jest.setTimeout(180_000);

describe('esr-gateway CLI', () => {
  let gw: CliGateway;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    gw = await startCliGateway({ env: { SYNC_REMOVAL_GUARD_COUNT: '3', ESR_PAGE_SIZE: '50' } });
    env = { ESR_GATEWAY_URL: gw.url, ESR_GATEWAY_KEY: BOTH_KEY };
    dir = await mkdtemp(join(tmpdir(), 'esr-cli-'));
  });

  afterAll(async () => {
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(args, env);
  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    gw.t.app.inject({
      method: method as 'GET',
      url: path,
      payload: body as object,
      headers: { authorization: `Bearer ${BOTH_KEY}`, ...headers },
    });

  it('should print --help for every command and exit 0', async () => {
    for (const args of [
      [],
      ['status'],
      ['sync'],
      ['held'],
      ['held', 'approve'],
      ['mappings', 'import'],
      ['reconcile'],
      ['review'],
      ['access'],
    ]) {
      const res = await runCli([...args, '--help']);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/^Usage: esr-gateway/m);
    }
  });

  it('should report a VPD never synced as STALE with exit code 1', async () => {
    const res = await cli('status');
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/│ VPD │ State/);
    expect(res.stdout).toMatch(new RegExp(`Needs attention: .*${VPD} STALE: never synced`));
  });

  it('should start a sync, follow it to 100% for every VPD and print the outcome, without escape codes when piped', async () => {
    const res = await cli('sync');
    expect(res.code).toBe(0);
    for (const vpd of gw.vpds) {
      expect(res.stderr).toMatch(new RegExp(`^${vpd} done: succeeded: 100%`, 'm'));
      expect(res.stdout).toMatch(new RegExp(`│ ${vpd} +│ full +│ succeeded +│ +[\\d,]+ │`));
    }
    expect(res.stdout).toMatch(/Sync run [0-9a-f-]{36} succeeded in .*: 2 VPD\(s\) synced\./);
    expect(res.stdout + res.stderr).not.toMatch(ESCAPE);
  });

  it('should show the status table with exit code 0 once every VPD is fresh, and as JSON', async () => {
    const res = await cli('status');
    expect(res.code).toBe(0);
    const holders = gw.sandbox.admin.countRoleAssignments(VPD).toLocaleString('en-GB');
    expect(res.stdout).toMatch(new RegExp(`│ ${VPD} +│ IDLE +│ +${holders} │`));
    expect(res.stdout).toContain('ESR circuit breaker: closed');
    expect(res.stdout).toContain('All 2 VPD(s) are synced and fresh.');
    expect(res.stdout).not.toMatch(ESCAPE);

    const json = await cli('status', '--json');
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body).toMatchObject({
      healthy: true,
      breaker: 'closed',
      vpds: expect.arrayContaining([expect.objectContaining({ vpd: VPD, health: 'OK' })]),
    });
  });

  it('should print a dry run as a table of employee numbers, writing nothing', async () => {
    const newcomer = gw.sandbox.admin.findPersonWithoutRole(VPD, 0);
    gw.sandbox.admin.assignRole(VPD, newcomer.employeeNumber);
    const person = gw.sandbox.admin.getPerson(VPD, newcomer.employeeNumber);
    const res = await cli('sync', '--dry-run', '--vpd', VPD);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`│ add +│ ${VPD} +│ ${newcomer.employeeNumber} +│`));
    expect(res.stdout).toContain('Dry run (incremental): would add 1, update 0, remove 0. Nothing was written.');
    expect(res.stdout).not.toContain(person?.lastName);
    expect(res.stdout).not.toContain(person?.firstName);
    const again = await cli('sync', '--dry-run', '--vpd', VPD);
    expect(again.stdout).toContain('would add 1,');
  });

  it('should show held removals, refuse to ask without a terminal, and reject them with --yes', async () => {
    for (let n = 20; n < 25; n++) gw.sandbox.admin.deleteRole(gw.sandbox.admin.findRoleHolder(VPD, n).assignmentId);
    const run = await cli('sync', '--full', '--vpd', VPD);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${VPD} held 5 removal(s): esr-gateway held approve|reject ${VPD}`);
    expect((await cli('status')).code).toBe(1);

    const anonymous = await cli('held', 'approve', VPD, '--yes');
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toBe(
      'esr-gateway: held approve needs --acting-user (or ESR_GATEWAY_ACTING_USER): the person deciding, recorded in the audit.\n',
    );
    expect((await cli('status')).code).toBe(1);

    const deciding = { ...env, ESR_GATEWAY_ACTING_USER: 'ops.person@nhs.net' };
    const asked = await runCli(['held', 'approve', VPD], deciding);
    expect(asked.code).toBe(2);
    const heldRunId = JSON.parse((await cli('status', '--json')).stdout).vpds.find((v: { vpd: string }) => v.vpd === VPD).heldRun.runId;
    expect(asked.stdout).toMatch(new RegExp(`│ ${VPD} +│ +5 │.*│ ${heldRunId} \\(full: `));
    expect(asked.stderr).toBe('esr-gateway: Not asking for confirmation without a terminal: run again with --yes to confirm.\n');

    const rejected = await runCli(['--acting-user', 'ops.person@nhs.net', 'held', 'reject', VPD, '--yes'], env);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain(
      `Rejected: 5 held removal(s) discarded in VPD ${VPD}; the role assignments stay (as ops.person@nhs.net).`,
    );
    expect((await cli('status')).code).toBe(0);
    const nothing = await runCli(['held', 'approve', VPD, '--yes'], deciding);
    expect(nothing.code).toBe(1);
    expect(nothing.stdout).toContain(`VPD ${VPD} has no held removals: nothing to approve.`);
  });

  it('should import 10,000 rows in chunks, write the rejected rows with their reasons, and skip them all the second time', async () => {
    const file = join(dir, 'lsa.csv');
    const lines = ['portalUserId,vpd,employeeNumber'];
    const bad = new Map<number, string>();
    for (let i = 0; i < 10_000; i++) {
      const line = i + 2;
      if (i % 500 === 7) {
        lines.push(`user${i}@trust.nhs.uk,${VPD},`);
        bad.set(line, 'Please enter an employee number and vpd');
      } else if (i % 500 === 8) {
        lines.push(`user${i}@trust.nhs.uk,97,${String(20_000_000 + i)}`);
        bad.set(line, 'vpd');
      } else lines.push(`user${i}@trust.nhs.uk,${VPD},${String(20_000_000 + i)}`);
    }
    await writeFile(file, `${lines.join('\n')}\n`);
    const importing = (...extra: string[]) =>
      runCli(
        ['mappings', 'import', file, ...extra],
        { ...env, ESR_GATEWAY_KEY: PORTAL_KEY, ESR_GATEWAY_ACTING_USER: 'lsa@trust.nhs.uk' },
        120_000,
      );

    // An ESR maintenance window: every row is saved unverified and checked in the background later, so
    // the import's outcome is the CLI's alone (Manage User checks are specified in manage-user.e2e-spec.ts).
    gw.sandbox.admin.setFaults({ maintenance: { retryAfterSeconds: 60 } });
    const first = await importing().finally(() => gw.sandbox.admin.clearFaults());
    expect(first.code).toBe(1);
    expect(first.stdout + first.stderr).not.toMatch(ESCAPE);
    expect(first.stderr).toMatch(/^rows done: 100%/m);
    const rejected = parse<Record<string, string>>(await readFile(join(dir, 'lsa.rejected.csv')), { columns: true });
    expect(rejected.map((r) => Number(r.line)).sort((a, b) => a - b)).toEqual([...bad.keys()]);
    for (const row of rejected) {
      expect(row.error).toBe('VALIDATION_FAILED');
      expect(row.reason).toContain(bad.get(Number(row.line)));
    }
    expect(first.stdout).toMatch(new RegExp(`│ +10,000 │ +${(10_000 - bad.size).toLocaleString('en-GB')} │ +0 │ +${bad.size} │`));
    expect(first.stdout).toContain(`${bad.size} row(s) rejected: see ${join(dir, 'lsa.rejected.csv')}`);

    const second = await importing('--chunk-size', '1000');
    expect(second.stdout).toMatch(new RegExp(`│ +10,000 │ +0 │ +${(10_000 - bad.size).toLocaleString('en-GB')} │ +${bad.size} │`));
  });

  it('should refuse an import without --acting-user or with a wrong header, naming what is wrong', async () => {
    const file = join(dir, 'wrong.csv');
    await writeFile(file, 'user,vpd,employee\nx,979,12345678\n');
    const noActor = await runCli(['mappings', 'import', file], env);
    expect(noActor.code).toBe(2);
    expect(noActor.stderr).toContain('mappings import needs --acting-user');
    const res = await runCli(['mappings', 'import', file, '--acting-user', 'lsa@trust.nhs.uk'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      `esr-gateway: ${file} must start with the header portalUserId,vpd,employeeNumber (missing: portalUserId, employeeNumber; found: user,vpd,employee).\n`,
    );
  });

  it("should show a user's access per mapping with the gateway's reason sentence", async () => {
    const holder = gw.sandbox.admin.findRoleHolder(VPD, 3);
    await api(
      'POST',
      '/v1/users/hr.user@trust.nhs.uk/esr-mappings',
      { vpd: VPD, employeeNumber: holder.employeeNumber },
      { 'x-acting-user': 'lsa.access@trust.nhs.uk' }, // lsa@ spent this minute's look-ups on the import above
    );
    const access = (await api('GET', '/v1/users/hr.user@trust.nhs.uk/esr-access')).json();
    const res = await cli('access', 'hr.user@trust.nhs.uk');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(access.searchEnabled ? 0 : 1);
    expect(res.stdout).toMatch(new RegExp(`│ ${VPD} +│ ${holder.employeeNumber} +│ ${access.mappings[0].state}`));
    expect(res.stdout).toContain(`${VPD} / ${holder.employeeNumber}: ${access.mappings[0].reason}`);

    const nobody = await cli('access', 'nobody@trust.nhs.uk');
    expect(nobody.code).toBe(1);
    expect(nobody.stdout).toContain('Search ESR is OFF for nobody@trust.nhs.uk.');
  });

  it('should report refusals and faults as one sentence with exit code 3, never a stack trace', async () => {
    const badKey = await runCli(['status'], { ...env, ESR_GATEWAY_KEY: 'not-a-key-at-all' });
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toMatch(
      /^esr-gateway: A valid API key is required: send Authorization: Bearer <api key>\. \(UNAUTHENTICATED, request [\w-]+\)\n$/,
    );
    const wrongScope = await runCli(['status'], { ...env, ESR_GATEWAY_KEY: PORTAL_KEY });
    expect(wrongScope.code).toBe(3);
    expect(wrongScope.stderr).toContain("lacks the 'ops' scope");
    const closed = await freePort();
    const down = await runCli(['status'], { ESR_GATEWAY_URL: `http://127.0.0.1:${closed}`, ESR_GATEWAY_KEY: OPS_KEY });
    expect(down.code).toBe(3);
    expect(down.stderr).toBe(`esr-gateway: Cannot reach the gateway at http://127.0.0.1:${closed} (ECONNREFUSED).\n`);
    const usage = await cli('held', 'approve', '97');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('The VPD must be 3 digits (got "97").');
    const noKey = await runCli(['status'], { ESR_GATEWAY_URL: gw.url, ESR_GATEWAY_KEY: '' });
    expect(noKey.code).toBe(2);
    for (const r of [badKey, wrongScope, down, usage, noKey]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
