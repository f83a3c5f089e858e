import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readHistory, RELIABILITY_RESULTS, SuiteResults } from '../test/support/reliability';
import { renderReliabilityReport } from '../test/support/reliability-report';

/** The repository root: the nearest folder up from here with a package.json (run from scripts/ or dist-scripts/). */
function repositoryRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir;
  throw new Error('package.json not found above the script');
}

/**
 * `npm run report:reliability`: reads the last run of every fault suite from test-results/reliability/*.json
 * (each suite appends its runs there) and writes docs/reliability.md.
 */
function main(): void {
  const root = repositoryRoot();
  const dir = resolve(root, RELIABILITY_RESULTS);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  const last: SuiteResults[] = [];
  for (const file of files) {
    const runs = readHistory(join(dir, file))?.runs ?? [];
    if (runs.length) last.push(runs[runs.length - 1]);
  }
  const out = resolve(root, 'docs/reliability.md');
  writeFileSync(out, renderReliabilityReport(last));
  const missing = ['redis', 'postgres', 'esr', 'replicas', 'fuzz', 'security'].filter((s) => !last.some((r) => r.suite === s));
  process.stdout.write(
    `wrote docs/reliability.md from ${last.length} suite(s)${missing.length ? `; not run yet: ${missing.join(', ')}` : ''}\n`,
  );
}

main();
