import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
const CLIENT = join(ROOT, 'clients/typescript');
const run = promisify(execFile);
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** The TypeScript client package: generated from openapi.json, strict, tested, installed by the root's npm install. */
describe('clients/typescript (@esr-gateway/client)', () => {
  it('should hold the schema openapi-typescript generates from openapi.json today (else: npm run client:generate)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-schema-'));
    try {
      const out = join(dir, 'schema.ts');
      await run(process.execPath, [join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), 'openapi.json', '-o', out], { cwd: ROOT });
      expect(readFileSync(join(CLIENT, 'src/schema.ts'), 'utf8')).toBe(readFileSync(out, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('should type-check with tsc --strict: the package, its examples and its tests (npm run client:check)', async () => {
    expect(json(join(CLIENT, 'tsconfig.json')).compilerOptions.strict).toBe(true);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    await expect(
      run(process.execPath, [tsc, '-p', join(CLIENT, 'tsconfig.json'), '--noEmit', '--strict'], { cwd: ROOT }),
    ).resolves.toBeDefined();
  }, 120_000);

  it("should pass the package's own tests (node --test)", async () => {
    const { stdout } = await run(process.execPath, ['--test', 'test/*.test.ts'], { cwd: CLIENT });
    expect(stdout).toMatch(/# fail 0|ℹ fail 0/);
    expect(stdout).toMatch(/(# |ℹ )pass [1-9]/);
  }, 60_000);

  it('should pin exactly the versions the root installs, so CI needs no second npm install', () => {
    const client = json(join(CLIENT, 'package.json'));
    const root = json(join(ROOT, 'package.json'));
    const wanted = { ...client.dependencies, ...client.devDependencies } as Record<string, string>;
    expect(Object.keys(wanted).sort()).toEqual(['openapi-fetch', 'openapi-typescript', 'standardwebhooks']);
    for (const [name, version] of Object.entries(wanted)) {
      expect({ name, version }).toEqual({ name, version: root.devDependencies[name] });
      expect({ name, version }).toEqual({ name, version: json(join(ROOT, 'node_modules', name, 'package.json')).version });
    }
  });
});
