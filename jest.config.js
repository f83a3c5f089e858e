// Jest (CommonJS) cannot require() ES-module-only packages such as Nest 12 and some of its
// dependencies, so @swc/jest compiles the project's TypeScript *and* every installed package whose
// package.json says "type": "module" to CommonJS. The list is read from node_modules once per run.
const fs = require('node:fs');
const path = require('node:path');

function esmPackages(dir = path.join(__dirname, 'node_modules')) {
  const names = [];
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (entry.startsWith('.')) continue;
    const scoped = entry.startsWith('@');
    const children = scoped ? fs.readdirSync(path.join(dir, entry)).map((c) => `${entry}/${c}`) : [entry];
    for (const name of children) {
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, name, 'package.json'), 'utf8'));
        if (pkg.type === 'module') names.push(name);
        // A nested copy (e.g. @fastify/middie/node_modules/path-to-regexp) may be ES-module-only too:
        // listed by its path from here (for the outer node_modules/) and by its name (the inner one).
        for (const nested of esmPackages(path.join(dir, name, 'node_modules'))) names.push(`${name}/node_modules/${nested}`, nested);
      } catch {
        /* not a package */
      }
    }
  }
  return [...new Set(names)];
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const transformIgnorePatterns = [`/node_modules/(?!(${esmPackages().map(escape).join('|')})/)`];
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
const common = {
  transform: { '^.+\\.(t|j|mj|cj)s$': ['@swc/jest', swc] },
  transformIgnorePatterns,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};
