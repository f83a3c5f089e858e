import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ALLOWED_LICENCES, isAllowed, licenceOf, refusedLicences, renderLicenceList } from '../../scripts/deps/licences.mjs';

const ROOT = path.resolve(__dirname, '../..');

describe('dependency licences', () => {
  it('should allow a licence on the list and refuse one that is not', () => {
    expect(isAllowed('MIT')).toBe(true);
    expect(isAllowed('BlueOak-1.0.0')).toBe(true);
    expect(isAllowed('GPL-3.0-only')).toBe(false);
    expect(isAllowed('LGPL-2.1-or-later')).toBe(false);
    expect(isAllowed('UNLICENSED')).toBe(false);
    expect(isAllowed('')).toBe(false);
  });

  it('should read OR as either side and AND as both', () => {
    expect(isAllowed('(MIT OR WTFPL)')).toBe(true);
    expect(isAllowed('(BSD-2-Clause OR MIT OR Apache-2.0)')).toBe(true);
    expect(isAllowed('MIT AND GPL-2.0-only')).toBe(false);
    expect(isAllowed('(MIT AND ISC) OR GPL-3.0-only')).toBe(true);
    expect(isAllowed('GPL-2.0-only WITH Classpath-exception-2.0')).toBe(false);
    expect(isAllowed('(MIT')).toBe(false);
  });

  it('should read the licence of a manifest, legacy forms included', () => {
    expect(licenceOf({ license: 'ISC' })).toBe('ISC');
    expect(licenceOf({ license: { type: 'MIT' } })).toBe('MIT');
    expect(licenceOf({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] })).toBe('MIT OR Apache-2.0');
    expect(licenceOf({})).toBe('');
  });

  it('should list each package and licence once, sorted, and name the refused ones', () => {
    const packages = [
      { name: 'b', version: '2.0.0', licence: 'MIT' },
      { name: 'a', version: '1.0.0', licence: 'GPL-3.0-only' },
      { name: 'b', version: '1.0.0', licence: 'MIT' },
    ];
    const rows = renderLicenceList(packages)
      .split('\n')
      .filter((line) => /^\| [ab] /.test(line));
    expect(rows).toEqual(['| a | GPL-3.0-only |', '| b | MIT |']);
    expect(refusedLicences(packages).map((p) => p.name)).toEqual(['a']);
    expect(ALLOWED_LICENCES).not.toContain('GPL-3.0-only');
  });

  it('should pass on the installed tree with the committed list (npm test step "dependencies")', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts/check-deps.mjs')], { cwd: ROOT, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^dependency check: \d+ production packages, 0 problem\(s\)/);
  }, 60_000);
});
