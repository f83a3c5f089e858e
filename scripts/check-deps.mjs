#!/usr/bin/env node
// The dependency check of `npm test`:
//   1. `npm ls --all` is clean: nothing missing, invalid or extraneous, no peer conflict;
//   2. every production dependency's licence (its installed package.json) is on the allow-list;
//   3. docs/licences.md lists exactly those licences (`node scripts/check-deps.mjs --write` rewrites it).
// Exit code 1 on any failure, with one line per problem on stderr.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { licenceOf, refusedLicences, renderLicenceList } from './deps/licences.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIST = path.join(root, 'docs/licences.md');

function npm(args) {
  const result = spawnSync('npm', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return result;
}

/** The problems `npm ls --all` reports (missing, invalid, extraneous, peer conflicts). */
function treeProblems() {
  const result = npm(['ls', '--all', '--json']);
  const tree = JSON.parse(result.stdout || '{}');
  const problems = tree.problems ?? [];
  if (result.status !== 0 && problems.length === 0) problems.push(`npm ls exited ${result.status}: ${result.stderr.trim()}`);
  return problems;
}

/** Every installed production package (name and licence), from `npm ls --all --omit=dev --parseable`. */
function productionPackages() {
  const result = npm(['ls', '--all', '--omit=dev', '--parseable']);
  const dirs = [...new Set(result.stdout.split('\n').filter(Boolean))].filter((dir) => path.resolve(dir) !== root);
  return dirs.map((dir) => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    return { name: manifest.name, version: manifest.version, licence: licenceOf(manifest) };
  });
}

const write = process.argv.includes('--write');
const failures = treeProblems().map((p) => `npm ls: ${p}`);
const packages = productionPackages();
for (const p of refusedLicences(packages)) failures.push(`licence not allowed: ${p.name}@${p.version} is "${p.licence || '(none)'}"`);
const list = renderLicenceList(packages);
let committed = '';
try {
  committed = readFileSync(LIST, 'utf8');
} catch {
  /* absent: reported below unless --write */
}
if (write) writeFileSync(LIST, list);
else if (committed !== list)
  failures.push('docs/licences.md is out of date: run `node scripts/check-deps.mjs --write` and review the diff');

for (const failure of failures) process.stderr.write(`${failure}\n`);
process.stdout.write(`dependency check: ${packages.length} production packages, ${failures.length} problem(s)\n`);
process.exit(failures.length > 0 ? 1 : 0);
