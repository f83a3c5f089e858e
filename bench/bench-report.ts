import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';

/** Where and on what a bench ran: goes at the top of every results file. */
export function runInfo(command: string): Record<string, unknown> {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    command,
    machine: { cores: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGiB: +(totalmem() / 2 ** 30).toFixed(1) },
    node: process.version,
  };
}

/** Writes bench/results/<name>.json (from dist-bench/bench/ or bench/) and returns its path. */
export function writeResults(name: string, results: unknown): string {
  const root = __dirname.includes('dist-bench') ? resolve(__dirname, '../../bench/results') : resolve(__dirname, 'results');
  mkdirSync(root, { recursive: true });
  const file = resolve(root, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/** The p-th percentile (0-100) of `values`, nearest rank; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Named numeric options: --name value. */
export function numberArg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
}
