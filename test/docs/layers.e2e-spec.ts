import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const FIXTURE = join(__dirname, 'fixtures/layers');

interface Rule {
  name: string;
  from: { path?: string };
  to: { path?: string | string[] };
}
interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(CONFIG) as { forbidden: Rule[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LAYERS } = require(join(ROOT, 'scripts/layers.cjs')) as { LAYERS: Array<{ name: string; folders: string[] }> };

/** dependency-cruiser (an ES module) run on `src` of `cwd` with the project's rules: the violations. */
function cruise(cwd: string): Violation[] {
  const bin = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
  const out = execFileSync(process.execPath, [bin, 'src', '--config', CONFIG, '--output-type', 'json', '--no-progress'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

const matches = (pattern: string | string[] | undefined, path: string) => [pattern ?? []].flat().some((p) => new RegExp(p).test(path));

describe('.dependency-cruiser.cjs', () => {
  it('should find no violation in src/', () => {
    expect(cruise(ROOT).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('should catch each rule once on the fixture tree that breaks it', () => {
    const found = cruise(FIXTURE).map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\/([^/]+).*$/, '$1')}`);
    expect(found.sort()).toEqual(
      [
        'layer-domain-domain: src/domain/upward.ts -> src/config/settings.ts',
        'layer-features-access: src/access/sideways.ts -> src/webhooks/sender.ts',
        'layer-mappings-mappings: src/mappings/starts-sandbox.ts -> src/sandbox/server.ts',
        'no-circular: src/jobs/first.ts -> src/jobs/second.ts',
        'no-unknown-folder: src/extra/unplaced.ts -> src/domain/vocabulary.ts',
        'cli-imports-domain-and-types-only: src/cli/values.ts -> src/config/settings.ts',
        'cli-types-from-dtos-only: src/cli/values.ts -> src/config/settings.ts',
        'cli-types-from-dtos-only: src/cli/types.ts -> src/access/access.internal.ts',
        'sandbox-only-from-bootstrap: src/mappings/starts-sandbox.ts -> src/sandbox/server.ts',
        'sandbox-imports-domain-only: src/sandbox/server.ts -> src/common/clock.ts',
        'esr-wire-format-stays-in-esr: src/searches/wire.ts -> src/esr/esr.json-fields.ts',
        'ioredis-only-in-role-store: src/sync/redis.ts -> ioredis',
        'typeorm-only-where-tables-are: src/sync/sql.ts -> typeorm',
        'http-client-only-in-outbound-stack: src/sync/http.ts -> axios',
        'domain-is-plain: src/domain/nest.ts -> @nestjs',
        'no-spec-imports: src/jobs/uses-spec.ts -> src/jobs/helper.spec.ts',
      ].sort(),
    );
  });

  it('should give every folder of every layer a rule forbidding each higher layer and each sibling', () => {
    const folders = LAYERS.flatMap((layer) => layer.folders);
    for (const [index, layer] of LAYERS.entries()) {
      for (const folder of layer.folders) {
        const rule = config.forbidden.find((r) => r.name === `layer-${layer.name}-${folder}`);
        expect(rule && matches(rule.from.path, `src/${folder}/a.ts`)).toBe(true);
        const lower = LAYERS.slice(0, index).flatMap((l) => l.folders);
        const forbidden = folders.filter((f) => !lower.includes(f) && f !== folder);
        expect(forbidden.filter((f) => !matches(rule?.to.path, `src/${f}/a.ts`))).toEqual([]);
        expect([...lower, folder].filter((f) => matches(rule?.to.path, `src/${f}/a.ts`))).toEqual([]);
        expect(matches(rule?.to.path, 'src/app.module.ts')).toBe(true);
      }
    }
  });

  it('should keep docs/folder-graph.txt as npm run deps:graph writes it', () => {
    const graph = execFileSync(process.execPath, [join(ROOT, 'scripts/folder-graph.mjs'), '--stdout'], { cwd: ROOT, encoding: 'utf8' });
    expect(graph).toEqual(readFileSync(join(ROOT, 'docs/folder-graph.txt'), 'utf8'));
  });
});
