import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';

/** Where the fault suites leave their measurements for `npm run report:reliability` (gitignored), from the repository root. */
export const RELIABILITY_RESULTS = 'test-results/reliability';
export const RELIABILITY_RESULTS_DIR = resolve(__dirname, '../..', RELIABILITY_RESULTS);
/** Runs kept per suite (oldest dropped). */
const RUNS_KEPT = 20;

export interface FaultEntry {
  /** What was done to the gateway, e.g. "Redis cut (connections refused)". */
  fault: string;
  /** How many times it was injected. */
  injected: number;
  /** Whether every expectation held through it (set by the test once its assertions passed). */
  survived: boolean;
  /** What "survived" meant here, in a few words. */
  expectation: string;
}

export interface Measurement {
  name: string;
  value: number;
  unit: 'ms' | 's' | 'count' | 'per-second';
}

export interface SuiteResults {
  suite: string;
  title: string;
  runId: string;
  /** The commit the suite ran on (short hash, "+changes" when the work tree differed), if git could say. */
  commit: string | null;
  node: string;
  startedAt: string;
  finishedAt: string | null;
  faults: FaultEntry[];
  measurements: Measurement[];
  /** Running totals: requestsSent, requestsFuzzed, responses5xx, holdersLost, openApiChecked, openApiViolations, ... */
  totals: Record<string, number>;
}

/** A suite's file: its runs, oldest first (the report reads the last). */
export interface SuiteHistory {
  suite: string;
  runs: SuiteResults[];
}

function currentCommit(): string | null {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+changes' : ''}`;
  } catch {
    return null;
  }
}

/**
 * One fault suite's measurements. Each suite appends its run to its own file (suites run in parallel
 * workers), test-results/reliability/<suite>.json; the report script reads the last run of each. A fault
 * is recorded as not survived until the test says otherwise, so a failing test leaves "no" in the
 * report rather than nothing.
 */
/** What a checked client counts (test/support/checked-client.ts). */
export interface ClientCounts {
  sent: number;
  fiveXx: number;
  validator: { seen: number };
  problems: readonly unknown[];
}

export class ReliabilityRecorder {
  readonly results: SuiteResults;

  /** `dir`: where the suite's file goes (tests of the recorder itself use a temporary one). */
  constructor(
    suite: string,
    title: string,
    private readonly dir = RELIABILITY_RESULTS_DIR,
  ) {
    this.results = {
      suite,
      title,
      runId: randomUUID(),
      commit: currentCommit(),
      node: process.version,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      faults: [],
      measurements: [],
      totals: {},
    };
  }

  /** Records an injected fault (not yet survived) and returns a function to call once it was survived. */
  fault(fault: string, expectation: string, injected = 1): () => void {
    const entry: FaultEntry = { fault, injected, survived: false, expectation };
    this.results.faults.push(entry);
    this.save();
    return () => {
      entry.survived = true;
      this.save();
    };
  }

  measure(name: string, value: number, unit: Measurement['unit'] = 'ms'): void {
    this.results.measurements.push({ name, value: Math.round(value * 100) / 100, unit });
    this.save();
  }

  add(total: string, n = 1): void {
    this.results.totals[total] = (this.results.totals[total] ?? 0) + n;
  }

  /** Adds what a checked client saw: requests sent, 5xx answers, answers checked against the document, violations. */
  addClient(client: ClientCounts | undefined): void {
    this.add('requestsSent', client?.sent ?? 0);
    this.add('responses5xx', client?.fiveXx ?? 0);
    this.add('openApiChecked', client?.validator.seen ?? 0);
    this.add('openApiViolations', client?.problems.length ?? 0);
  }

  /** Writes this run into the suite's file: replacing its earlier save, or appended after the runs before it. */
  save(): void {
    mkdirSync(this.dir, { recursive: true });
    const file = resolve(this.dir, `${this.results.suite}.json`);
    const history = readHistory(file) ?? { suite: this.results.suite, runs: [] };
    const runs = history.runs.filter((run) => run.runId !== this.results.runId);
    runs.push(this.results);
    writeFileSync(file, `${JSON.stringify({ suite: this.results.suite, runs: runs.slice(-RUNS_KEPT) }, null, 2)}\n`);
  }

  finish(): void {
    this.results.finishedAt = new Date().toISOString();
    this.save();
  }
}

/** A suite's file, or undefined when there is none or it is not one (an older format is started afresh). */
export function readHistory(file: string): SuiteHistory | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SuiteHistory>;
    return Array.isArray(parsed.runs) ? (parsed as SuiteHistory) : undefined;
  } catch {
    return undefined;
  }
}

/** Milliseconds until `check` holds, polling every `stepMs` (throws after `timeoutMs`). */
export async function timeUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 50): Promise<number> {
  const started = performance.now();
  const deadline = started + timeoutMs;
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
