import { execFile } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
const SPECTRAL = realpathSync(join(ROOT, 'node_modules/.bin/spectral'));

interface Finding {
  code: string;
  path: string[];
  message: string;
}

describe('Spectral on openapi.json (spectral:oas and the OWASP API ruleset, .spectral.yaml)', () => {
  it('should find nothing at any severity', async () => {
    const args = [
      SPECTRAL,
      'lint',
      'openapi.json',
      '--ruleset',
      '.spectral.yaml',
      '--format',
      'json',
      '--fail-severity',
      'hint',
      '--quiet',
    ];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '[]' }),
    );
    const findings = (JSON.parse(stdout.trim() || '[]') as Finding[]).map((f) => `${f.code} ${f.path.join('.')}: ${f.message}`);
    expect(findings).toEqual([]);
  }, 120_000);

  it('should give every rule it switches off, and every override, a one-line reason on the line above', () => {
    const lines = readFileSync(join(ROOT, '.spectral.yaml'), 'utf8').split('\n');
    const overridesAt = lines.findIndex((line) => line.startsWith('overrides:'));
    lines.forEach((line, i) => {
      const needsReason = (i < overridesAt && /^\s+\S+: off$/.test(line)) || /^\s+- files:$/.test(line);
      if (needsReason) expect({ line, reason: lines[i - 1].trim() }).toEqual({ line, reason: expect.stringMatching(/^# \S.{20,}$/) });
    });
  });
});
