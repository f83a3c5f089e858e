import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const PAGE = join(ROOT, 'docs/architecture.md');

/** The list between the architecture-paths markers: the one place the page's paths are kept. */
export function listedPaths(markdown: string): string[] {
  const block = /<!-- architecture-paths: start -->([\s\S]*?)<!-- architecture-paths: end -->/.exec(markdown);
  if (!block) throw new Error('docs/architecture.md has no architecture-paths list');
  return [...block[1].matchAll(/^- (\S+)$/gm)].map((m) => m[1]);
}

/** Paths that do not exist (a trailing slash means a folder). */
export function missingPaths(paths: string[], root = ROOT): string[] {
  return paths.filter((path) => {
    const full = join(root, path);
    if (!existsSync(full)) return true;
    return path.endsWith('/') !== statSync(full).isDirectory();
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

describe('docs/architecture.md', () => {
  const page = readFileSync(PAGE, 'utf8');
  const listed = listedPaths(page);

  it('should name only files and folders that exist', () => {
    expect(listed.length).toBeGreaterThan(20);
    expect(missingPaths(listed)).toEqual([]);
  });

  it('should keep every src path it mentions in its one list', () => {
    const body = page.slice(0, page.indexOf('<!-- architecture-paths: start -->'));
    const mentioned = [...new Set([...body.matchAll(/`(src\/[^`\s]+)`/g)].map((m) => m[1]))];
    expect(mentioned.filter((path) => !listed.includes(path))).toEqual([]);
  });

  it('should name only Nest modules that exist', () => {
    const map = /## Module map[\s\S]*?```([\s\S]*?)```/.exec(page)?.[1] ?? '';
    const named = [...new Set([...map.matchAll(/\b([A-Z][A-Za-z]+Module)\b/g)].map((m) => m[1]))];
    const declared = new Set(
      sourceFiles(join(ROOT, 'src')).flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/export class ([A-Za-z]+Module)\b/g)].map((m) => m[1]),
      ),
    );
    const external = ['HttpModule', 'ScheduleModule', 'TerminusModule'];
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((name) => !declared.has(name) && !external.includes(name))).toEqual([]);
  });

  it('should notice a path that is gone (the check is live)', () => {
    expect(missingPaths(['src/main.ts', 'src/no-such-module/', 'src/main.ts/'])).toEqual(['src/no-such-module/', 'src/main.ts/']);
  });
});
