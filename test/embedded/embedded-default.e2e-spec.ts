import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/redis-server';

const MAIN = resolve(__dirname, '../../dist/main.js');

/** The process environment minus every variable the gateway reads: the embedded default. */
function bareEnvironment(port: number): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'SystemRoot'];
  const env: NodeJS.ProcessEnv = {};
  for (const key of keep) if (process.env[key]) env[key] = process.env[key];
  env.PORT = String(port);
  return env;
}

async function waitFor(url: string, status: number, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status === status) return res;
      last = res.status;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} in time (last: ${String(last)})`);
}

describe('Embedded default (built service, no configuration)', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  let output = '';

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build` first (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'esr-gw-embedded-'));
  });

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('should start with no variables set, report ready, and stop cleanly on SIGTERM', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [MAIN], { cwd: dir, env: bareEnvironment(port), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));

    const ready = await waitFor(`http://127.0.0.1:${port}/health/ready`, 200, 30_000);
    await expect(ready.json()).resolves.toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    expect(existsSync(join(dir, 'data', 'esr-gateway.sqlite'))).toBe(true);
    expect(output).toContain('local development key');
    const localModeLines = output.split('\n').filter((line) => line.includes('LOCAL MODE'));
    expect(localModeLines).toHaveLength(1);
    expect(localModeLines[0]).toContain(`127.0.0.1:${port}`);

    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    await expect(exited).resolves.toBe(0);
  }, 60_000);

  it('should refuse to start outside local mode without its secrets, naming each missing variable', async () => {
    const port = await freePort();
    const refused = spawn(process.execPath, [MAIN], {
      cwd: dir,
      env: { ...bareEnvironment(port), NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    refused.stdout?.on('data', (d: Buffer) => (errors += d.toString()));
    refused.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
    const code = await new Promise<number | null>((r) => refused.once('exit', (c) => r(c)));

    expect(code).toBe(1);
    for (const name of ['API_KEYS', 'AUDIT_HMAC_SECRET', 'ESR_BASE_URL'])
      expect(errors).toContain(`${name}: must be set outside local mode`);
    expect(errors).not.toContain('listening');
  }, 30_000);
});
