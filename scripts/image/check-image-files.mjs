#!/usr/bin/env node
// Reads the file list of an image (`podman export <container> | tar -t`, one path a line, on stdin)
// and prints every file that does not belong in the runtime image, one per line; exit 1 if any.
// Usage: node scripts/image/check-image-files.mjs < list
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
// Packages installed only for development (dev, or optional only through a dev dependency such as
// typescript, which @nestjs/swagger names as an optional peer).
const devOnly = Object.entries(lock.packages)
  .filter(([p, meta]) => p.startsWith('node_modules/') && (meta.dev || meta.devOptional))
  .map(([p]) => `app/${p}/`);

const files = readFileSync(0, 'utf8')
  .split('\n')
  .map((f) => f.replace(/^\.?\//, ''))
  .filter(Boolean);
const rules = [
  ['a devDependency', (f) => devOnly.some((d) => f.startsWith(d))],
  ['TypeScript source or declarations', (f) => f.startsWith('app/') && /\.(c|m)?ts$/.test(f)],
  ['a source map', (f) => f.startsWith('app/') && f.endsWith('.map')],
  [
    'the repository sources, tests or build config',
    (f) =>
      /^app\/(src|test|bench|coverage|helm|deploy|docs|scripts)\//.test(f) ||
      /^app\/(tsconfig[^/]*\.json|\.env.*|jest\.config\.js|Dockerfile)$/.test(f),
  ],
  ['a test of the project', (f) => /^app\/dist\/.*\.(spec|test|contract|e2e-spec)\.js$/.test(f)],
  ['a test folder of a package', (f) => /^app\/node_modules\/.*\/(test|tests|__tests__)\//.test(f)],
  [
    'a better-sqlite3 build leftover',
    (f) =>
      /^app\/node_modules\/better-sqlite3\/(deps|src)\//.test(f) ||
      (/^app\/node_modules\/better-sqlite3\/build\/./.test(f) &&
        !/^app\/node_modules\/better-sqlite3\/build\/Release\/(better_sqlite3\.node)?$/.test(f)),
  ],
  [
    'npm, npx, corepack or yarn',
    (f) => /^usr\/local\/(lib\/node_modules\/(npm|corepack)\/|bin\/(npm|npx|corepack|yarn|yarnpkg)$)|^opt\/yarn/.test(f),
  ],
  ['Node headers', (f) => f.startsWith('usr/local/include/node/')],
  ['a compiler', (f) => /^usr\/bin\/(g\+\+|gcc|cc|make|python3)(-[\d.]+)?$/.test(f)],
  ['an npm cache', (f) => /(^|\/)\.npm\/_cacache\//.test(f)],
];
const found = new Map();
for (const f of files) {
  for (const [what, test] of rules) {
    if (test(f)) {
      found.set(what, [...(found.get(what) ?? []), f]);
      break;
    }
  }
}
const required = [
  'app/dist/main.js',
  'app/dist/common/tracing/register.js', // the image's CMD loads it with --import
  'app/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  'usr/bin/tini',
  'usr/local/bin/node',
];
const missing = required.filter((f) => !files.includes(f));
for (const [what, list] of found) console.log(`${what}: ${list.length} file(s), e.g. ${list.slice(0, 3).join(', ')}`);
for (const f of missing) console.log(`missing: ${f}`);
console.log(`${files.length} paths checked`);
process.exitCode = found.size || missing.length ? 1 : 0;
