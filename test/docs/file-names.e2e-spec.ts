import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** The kinds a file name may end with (docs/architecture.md, "Conventions"). */
const KINDS = [
  'module',
  'controller',
  'service',
  'guard',
  'filter',
  'pipe',
  'decorators',
  'dto',
  'entity',
  'schema',
  'settings',
  'metrics',
  'errors',
  'types',
  'sources',
  'scripts',
  'command',
  'routes',
  'factory',
  'bootstrap',
];
/** Folders still in the older `<folder>.<part>.ts` style (docs/architecture.md says why). */
const OLDER_STYLE = ['src/esr/', 'src/sandbox/'];

const NAME = new RegExp(`^[a-z0-9]+(-[a-z0-9]+)*(\\.(${KINDS.join('|')}))?(\\.spec)?\\.ts$`);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    return entry.isDirectory() ? files(full) : [relative(ROOT, full)];
  });
}

/** Files of src/ (outside the older-style folders) whose names break the convention. */
export function misnamed(paths: string[]): string[] {
  return paths
    .filter((path) => path.endsWith('.ts') && !OLDER_STYLE.some((folder) => path.startsWith(folder)))
    .filter((path) => !NAME.test(path.slice(path.lastIndexOf('/') + 1)));
}

describe('file names in src/', () => {
  it('should be kebab-case with a dot only before a known kind', () => {
    expect(misnamed(files(join(ROOT, 'src')))).toEqual([]);
  });

  it('should notice a name that breaks the convention (the check is live)', () => {
    expect(
      misnamed([
        'src/sync/sync-lease.ts',
        'src/sync/sync.lease.ts',
        'src/jobs/jobRunner.ts',
        'src/esr/esr.client.ts',
        'src/a/b.service.spec.ts',
      ]),
    ).toEqual(['src/sync/sync.lease.ts', 'src/jobs/jobRunner.ts']);
  });
});
