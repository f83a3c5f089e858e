// The folder graph of src/ as text, in layer order (scripts/layers.cjs): `npm run deps:graph` writes
// docs/folder-graph.txt; `node scripts/folder-graph.mjs --stdout` prints it (test/docs/layers.e2e-spec.ts
// checks the file is current).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cruise } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const require = createRequire(import.meta.url);
const { LAYERS, APART } = require('./layers.cjs');
const config = require('../.dependency-cruiser.cjs');

const folderOf = (path) => {
  const match = /^src\/([^/]+)\//.exec(path);
  if (match) return match[1] === 'openapi' ? 'app' : match[1];
  return /^src\/[^/]+\.ts$/.test(path) ? 'app' : null;
};

const result = await cruise(['src'], { ...config.options, ruleSet: { forbidden: [] }, validate: false }, {}, { tsConfig: extractTSConfig('tsconfig.json') });
const edges = new Map();
for (const module of result.output.modules) {
  const from = folderOf(module.source);
  if (!from || module.source.endsWith('.spec.ts')) continue;
  for (const dependency of module.dependencies) {
    const to = folderOf(dependency.resolved);
    if (!to || to === from) continue;
    const edge = (edges.get(from) ?? new Map()).set(to, (edges.get(from)?.get(to) ?? true) && dependency.dependencyTypes.includes('type-only'));
    edges.set(from, edge);
  }
}
const rows = [
  ...LAYERS.map((layer, index) => ({ label: `${index} ${layer.name}`, folders: layer.folders })),
  { label: `${LAYERS.length} app`, folders: ['app'] },
  { label: 'apart', folders: APART },
];
const order = rows.flatMap((row) => row.folders);
const lines = [
  '# The folders of src/ and what each imports, lowest layer first (npm run deps:graph; "(types)": type-only imports).',
  '',
];
for (const row of rows) {
  for (const folder of row.folders) {
    const edge = edges.get(folder) ?? new Map();
    const targets = [...edge.keys()].sort((a, b) => order.indexOf(b) - order.indexOf(a));
    const named = targets.map((to) => (edge.get(to) ? `${to} (types)` : to));
    lines.push(`${row.label.padEnd(12)} ${folder.padEnd(15)} -> ${named.join(', ') || '(nothing in src)'}`);
  }
}
const text = lines.join('\n') + '\n';
if (process.argv.includes('--stdout')) process.stdout.write(text);
else writeFileSync('docs/folder-graph.txt', text);
