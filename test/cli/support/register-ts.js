// Lets a child `node` process run the CLI straight from src/ (TypeScript compiled by @swc/core on
// require), so the CLI tests always run the current sources without a build.
/* eslint-disable */
const fs = require('node:fs');
const swc = require('@swc/core');

require.extensions['.ts'] = function compile(module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
