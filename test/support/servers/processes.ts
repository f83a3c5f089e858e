import { ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { freePort } from '../redis-server';

/** Pids started by these helpers and not yet seen to exit: SIGKILLed if the test process exits first. */
const livePids = new Set<number>();
process.once('exit', () => {
  for (const pid of livePids) killQuietly(pid, 'SIGKILL');
});

/** Sends a signal; false when the process is already gone. */
export function killQuietly(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  return killQuietly(pid, 0);
}

/** Remembers a pid started outside launch() (e.g. a daemon such as the postmaster) for the exit sweep. */
export function trackPid(pid: number): () => void {
  livePids.add(pid);
  return () => livePids.delete(pid);
}

/** A server process started by the helpers, its output in a log file. */
export class ManagedProcess {
  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {}

  /** Starts `command` with stdout and stderr going to `logFile`. */
  static launch(name: string, command: string, args: string[], logFile: string, cwd?: string): ManagedProcess {
    const log = openSync(logFile, 'a');
    try {
      const child = spawn(command, args, { cwd, stdio: ['ignore', log, log] });
      if (child.pid === undefined) throw new Error(`${name}: ${command} did not start`);
      const pid = child.pid;
      livePids.add(pid);
      child.once('exit', () => livePids.delete(pid));
      return new ManagedProcess(name, child, logFile);
    } finally {
      closeSync(log);
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Kills the process (SIGKILL by default) and resolves once it has exited; a no-op if it already has. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
  }

  /** The last lines of the log, for error messages. */
  logTail(lines = 15): string {
    return tailOf(this.logFile, lines);
  }
}

export function tailOf(file: string, lines = 15): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Polls `check` until it is true; throws `what` (with `detail()`, if given) after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
  detail?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await sleep(100);
  }
}

/** Resolves true once something accepts TCP connections on 127.0.0.1:port. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until a launched server listens on `port`, failing fast (with its log) if it exits. */
export async function waitForPort(server: ManagedProcess, port: number, timeoutMs = 15_000): Promise<void> {
  await waitUntil(
    `${server.name} to listen on ${port}`,
    async () => {
      if (!server.alive) throw new Error(`${server.name} exited:\n${server.logTail()}`);
      return acceptsConnections(port);
    },
    timeoutMs,
    () => server.logTail(),
  ).catch((error: Error) => {
    if (!server.alive) throw new Error(`${server.name} exited before listening on ${port}:\n${server.logTail()}`);
    throw error;
  });
}

/** Runs a command to completion; rejects with its stderr when it fails. */
export function run(command: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The first of `candidates` found on PATH (or as an absolute path), or undefined. */
export function findExecutable(...candidates: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  for (const candidate of candidates) {
    if (path.isAbsolute(candidate)) {
      if (existsSync(candidate)) return candidate;
      continue;
    }
    for (const dir of dirs) if (dir && existsSync(path.join(dir, candidate))) return path.join(dir, candidate);
  }
  return undefined;
}

const DIR_PREFIX = 'esr-gw-';
/** In each temp dir: the pid of the test process that made it. */
const OWNER_FILE = 'owner.pid';
let swept = false;

/** A fresh directory under the OS temp dir, marked with this process as its owner. */
export async function tempDir(prefix: string): Promise<string> {
  if (!swept) {
    swept = true;
    sweepLeftovers();
  }
  const dir = await mkdtemp(path.join(tmpdir(), `${DIR_PREFIX}${prefix}-`));
  await writeFile(path.join(dir, OWNER_FILE), String(process.pid));
  return dir;
}

/**
 * Servers left behind by a test process that died without stopping them (e.g. a killed Jest
 * worker): every process whose working directory is inside a temp dir whose owner is gone is
 * SIGKILLed and the dir removed. Dirs of live test processes are left alone. Returns the pids killed.
 */
export function sweepLeftovers(root = tmpdir()): number[] {
  const orphaned = readdirSync(root)
    .filter((name) => name.startsWith(DIR_PREFIX))
    .map((name) => path.join(root, name))
    .filter((dir) => {
      try {
        const owner = Number(readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
        return Number.isInteger(owner) && owner > 0 && !isAlive(owner);
      } catch {
        return false;
      }
    });
  if (orphaned.length === 0) return [];
  const killed: number[] = [];
  for (const entry of existsSync('/proc') ? readdirSync('/proc') : []) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (orphaned.some((dir) => cwd === dir || cwd.startsWith(`${dir}/`)) && killQuietly(Number(entry), 'SIGKILL'))
        killed.push(Number(entry));
    } catch {
      /* gone, or not ours to read */
    }
  }
  for (const dir of orphaned) rmSync(dir, { recursive: true, force: true });
  return killed;
}

/**
 * Teardown steps run once, last added first, each even if an earlier one failed: what every
 * server's stop() is built on, so stop() is idempotent and safe after a half-finished start.
 */
export class Teardown {
  private readonly steps: (() => Promise<void> | void)[] = [];
  private stopping?: Promise<void>;

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  removeDirLater(dir: string): void {
    this.add(() => rm(dir, { recursive: true, force: true }));
  }

  readonly stop = (): Promise<void> => (this.stopping ??= this.runAll());

  private async runAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'some test servers did not stop cleanly');
  }

  /** Runs `start`; if it throws, tears down what was started and rethrows. */
  async guard<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }
}
