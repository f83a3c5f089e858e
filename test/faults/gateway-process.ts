import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CheckedClient, httpTransport } from '../support/checked-client';
import { freePort } from '../support/redis-server';
import { validator } from './fault-harness';

const ROOT = resolve(__dirname, '../..');
export const MAIN_JS = resolve(ROOT, 'dist/main.js');

/** The built gateway must exist (`npm run build`; `npm test` builds before the tests). */
export function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build\` first (npm test does)`);
}

/** Applies the migrations once, as the Helm pre-install Job does (node dist/database/migrate.js). */
export function migrate(env: Record<string, string>): void {
  const result = spawnSync(process.execPath, [resolve(ROOT, 'dist/database/migrate.js')], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`migrations failed: ${result.stderr}`);
}

/** A gateway running as its own process (node dist/main.js), for kills and replicas. */
export class GatewayProcess {
  readonly output: string[] = [];
  client!: CheckedClient;
  url = '';
  private child?: ChildProcess;
  exited: Promise<number | null> = Promise.resolve(null);

  /** `host`: HOST for the process (default 127.0.0.1); null leaves it unset, for the gateway to choose. `nodeArgs`: before dist/main.js (e.g. --import). */
  constructor(
    readonly name: string,
    readonly env: Record<string, string>,
    private readonly host: string | null = '127.0.0.1',
    private readonly nodeArgs: string[] = [],
  ) {}

  /** The port it listens on (once started). */
  get port(): number {
    return Number(new URL(this.url).port);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 60_000): Promise<this> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.client = new CheckedClient(httpTransport(this.url), validator);
    const child = spawn(process.execPath, [...this.nodeArgs, MAIN_JS], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env, PORT: String(port), ...(this.host === null ? {} : { HOST: this.host }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString('utf8')));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`gateway ${this.name} exited at start-up:\n${this.output.join('')}`);
      const ok = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return this;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`gateway ${this.name} not ready within ${timeoutMs} ms:\n${this.output.join('')}`);
  }

  /** SIGKILL: no shutdown hooks, no lease release, nothing flushed. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.alive) return;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
