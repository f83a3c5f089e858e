/**
 * `esr-gateway review VPD [--csv FILE]` against a running gateway (the whole app on a real port, the
 * ESR sandbox, the real PostgreSQL and Redis), with its output piped as a script would see it.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/database/audit-event.entity';
import { RunCoordinator } from '../../src/sync/run-coordinator';
import { OPS_KEY, PORTAL_KEY } from '../support/test-env';
import { CliGateway, ESCAPE, runCli, startCliGateway } from './support/cli-harness';

const VPD = '979';
const REVIEWER = 'ig.lead@trust.nhs.uk';
jest.setTimeout(120_000);

describe('esr-gateway review', () => {
  let gw: CliGateway;
  let dir: string;
  let env: Record<string, string>;
  const users = ['amy.cli@trust.nhs.uk', 'bob.cli@trust.nhs.uk'];

  beforeAll(async () => {
    gw = await startCliGateway({ vpdCount: 1, roleAssignments: 50 });
    env = { ESR_GATEWAY_URL: gw.url, ESR_GATEWAY_KEY: OPS_KEY };
    dir = await mkdtemp(join(tmpdir(), 'esr-cli-review-'));
    await gw.t.app.get(RunCoordinator).runSync({ mode: 'full', vpd: VPD });
    const records = [gw.sandbox.admin.findRoleHolder(VPD, 0), gw.sandbox.admin.findPersonWithoutRole(VPD, 0)];
    for (const [i, user] of users.entries()) {
      const res = await gw.t.app.inject({
        method: 'POST',
        url: `/v1/users/${user}/esr-mappings`,
        headers: { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.cli@trust.nhs.uk' },
        payload: { vpd: VPD, employeeNumber: records[i].employeeNumber },
      });
      expect(res.statusCode).toBe(201);
    }
  });

  afterAll(async () => {
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const exported = () =>
    gw.t.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { type: 'ACCESS_REVIEW_EXPORTED' }, order: { id: 'ASC' } });

  it('should refuse without an acting user, saying how to give one', async () => {
    const res = await runCli(['review', VPD], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      'esr-gateway: review needs --acting-user (or ESR_GATEWAY_ACTING_USER): the person reviewing, recorded in the audit.\n',
    );
    expect(await exported()).toEqual([]);
  });

  it('should print every mapping with its state as a table, audited with the acting user', async () => {
    const res = await runCli(['review', VPD], { ...env, ESR_GATEWAY_ACTING_USER: REVIEWER });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^Access review of VPD ${VPD} as of .*: 2 mapping\\(s\\)$`, 'm'));
    expect(res.stdout).toMatch(/│ NO_ROLE +│ +1 │/);
    expect(res.stdout).toMatch(new RegExp(`│ ${users[0].replace(/\./g, '\\.')} +│ \\d{8} +│ \\S.* │ (ACTIVE|PENDING_ACTIVATION) +│`));
    expect(res.stdout).toMatch(
      new RegExp(`│ ${users[1].replace(/\./g, '\\.')} +│ \\d{8} +│ .* │ NO_ROLE +│ - +│ lsa\\.cli@trust\\.nhs\\.uk`),
    );
    expect(res.stdout + res.stderr).not.toMatch(ESCAPE);
    expect(await exported()).toEqual([
      expect.objectContaining({ actor: REVIEWER, vpd: VPD, details: expect.objectContaining({ format: 'json', rows: 2 }) }),
    ]);
  });

  it('should write every row as CSV to the file given, and say so', async () => {
    const file = join(dir, 'review.csv');
    const res = await runCli(['--acting-user', REVIEWER, 'review', VPD, '--csv', file], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`Wrote the access review of VPD ${VPD} to ${file}: 2 row(s) and a header line.\n`);
    const rows = parse<Record<string, string>>(await readFile(file, 'utf8'), { columns: true });
    expect(rows.map((r) => [r.vpd, r.portalUserId, r.createdBy])).toEqual(users.map((u) => [VPD, u, 'lsa.cli@trust.nhs.uk']));
    expect(rows[1].state).toBe('NO_ROLE');
    expect((await stat(file)).mode & 0o077).toBe(0);
    expect((await exported()).at(-1)).toMatchObject({ actor: REVIEWER, details: { format: 'csv', rows: 2 } });
  });
});
