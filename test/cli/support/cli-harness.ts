/**
 * The CLI against a running gateway: the whole app on a real port (127.0.0.1, ephemeral), talking
 * to an ESR sandbox, on the real PostgreSQL and Redis. The CLI runs as a child process from src/.
 */
import { execFile } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { FakeClock } from '../../../src/common/clock/clock';
import { startSandbox } from '../../../src/sandbox/sandbox.server';
import { BOTH_KEY, startTestApp, TestApp } from '../../support/test-env';
import { TEST_ESR_ENV } from '../../sync/sync-harness';

export type RunningSandbox = Awaited<ReturnType<typeof startSandbox>>;

export const ROOT = join(__dirname, '..', '..', '..');
export const REGISTER_TS = join(__dirname, 'register-ts.js');
export const CLI_MAIN = join(ROOT, 'src', 'cli', 'main.ts');
/** `node -r register-ts src/cli/main.ts`: the CLI from source. */
export const CLI_COMMAND = ['node', '-r', REGISTER_TS, CLI_MAIN];

/** A FakeClock that tells the real time: the CLI compares the gateway's times with its own. */
export class WallClock extends FakeClock {
  override now(): Date {
    return new Date();
  }
  override nowMs(): number {
    return Date.now();
  }
}

export interface CliGateway {
  url: string;
  sandbox: RunningSandbox;
  t: TestApp;
  vpds: string[];
  close(): Promise<void>;
}

export interface CliGatewayOptions {
  roleAssignments?: number;
  vpdCount?: number;
  env?: Record<string, string>;
}

export async function startCliGateway(options: CliGatewayOptions = {}): Promise<CliGateway> {
  const clock = new WallClock();
  const sandbox = await startSandbox({
    port: 0,
    rateLimitPerSecond: 0,
    vpdCount: options.vpdCount ?? 2,
    roleAssignments: options.roleAssignments ?? 600,
    now: () => clock.now(),
  });
  const vpds = sandbox.admin.vpds().map((v) => v.vpd);
  const t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_VPDS: vpds.join(','), ...TEST_ESR_ENV, ...options.env }, clock);
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sandbox,
    t,
    vpds,
    close: async () => {
      await t.close();
      await sandbox.close();
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with stdout and stderr piped (not a terminal), as a script would. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const [node, ...rest] = CLI_COMMAND;
    execFile(
      node,
      [...rest, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, ESR_GATEWAY_KEY: BOTH_KEY, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** ANSI escape sequences (colours, cursor movement). */
export const ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[`);

/** A 127.0.0.1 port nothing listens on (taken from the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
