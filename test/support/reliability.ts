import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where the fault suites leave their measurements for `npm run report:reliability` (gitignored). */
export const RELIABILITY_RESULTS_DIR = resolve(__dirname, '../../test-results/reliability');

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
  startedAt: string;
  finishedAt: string | null;
  faults: FaultEntry[];
  measurements: Measurement[];
  /** Running totals: requestsSent, requestsFuzzed, responses5xx, holdersLost, openApiChecked, openApiViolations, ... */
  totals: Record<string, number>;
}

/**
 * One fault suite's measurements. Each suite writes its own file (suites run in parallel workers);
 * the report script merges them. A fault is recorded as not survived until the test says otherwise,
 * so a failing test leaves "no" in the report rather than nothing.
 */
export class ReliabilityRecorder {
  readonly results: SuiteResults;

  constructor(suite: string, title: string) {
    this.results = { suite, title, startedAt: new Date().toISOString(), finishedAt: null, faults: [], measurements: [], totals: {} };
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

  save(): void {
    mkdirSync(RELIABILITY_RESULTS_DIR, { recursive: true });
    writeFileSync(resolve(RELIABILITY_RESULTS_DIR, `${this.results.suite}.json`), `${JSON.stringify(this.results, null, 2)}\n`);
  }

  finish(): void {
    this.results.finishedAt = new Date().toISOString();
    this.save();
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
