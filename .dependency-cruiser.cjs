/**
 * The folders of src/ and the one way they point (docs/architecture.md, "Layers"). Checked by
 * `npm run lint:deps`; test/docs/layers.e2e-spec.ts proves each rule bites on a fixture tree.
 * A folder may import folders of lower layers only: never a higher layer, never a sibling of its own.
 */

const { LAYERS, APP, APART } = require('./scripts/layers.cjs');

const folderPath = (folders) => `^src/(${folders.join('|')})/`;
/** Specs beside the code are tests: like test/, they may import anything (their own folder's rules do not bind them). */
const SPEC = '\\.spec\\.ts$';

/** One rule per layer: its folders import no higher layer, no sibling folder of the same layer, nothing of the app. */
const layerRules = LAYERS.map((layer, index) => {
  const above = LAYERS.slice(index + 1).flatMap((l) => l.folders);
  return layer.folders.map((folder) => ({
    name: `layer-${layer.name}-${folder}`,
    comment: `src/${folder}/ (layer ${layer.name}) imports only lower layers: not ${[...above, ...layer.folders.filter((f) => f !== folder), 'the app', ...APART].join(', ')}`,
    severity: 'error',
    from: { path: `^src/${folder}/`, pathNot: SPEC },
    to: {
      path: [folderPath([...above, ...layer.folders.filter((f) => f !== folder), ...APART]), APP],
    },
  }));
}).flat();

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'No file cycle, type-only imports included (tsPreCompilationDeps).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-unknown-folder',
      comment: 'Every folder of src/ has its place in LAYERS (or is the app, the CLI or the sandbox).',
      severity: 'error',
      from: { path: '^src/', pathNot: [folderPath([...LAYERS.flatMap((l) => l.folders), ...APART]), APP, SPEC] },
      to: {},
    },
    {
      name: 'cli-imports-domain-and-types-only',
      comment: 'The CLI runs without the server: of src/ it imports src/domain/ and the plain CSV writer (src/common/csv/) only.',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: SPEC },
      to: { path: '^src/', pathNot: ['^src/(cli|domain|common/csv)/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'cli-types-from-dtos-only',
      comment: "The CLI's type-only imports of the server are the HTTP API's DTOs (src/*/dto/) and the domain.",
      severity: 'error',
      from: { path: '^src/cli/', pathNot: SPEC },
      to: { path: '^src/', pathNot: ['^src/(cli|domain|common/csv)/', '^src/[^/]+/dto/'] },
    },
    {
      name: 'sandbox-only-from-bootstrap',
      comment: 'The ESR sandbox is started by src/esr-endpoint.bootstrap.ts only (and by tests, which are not cruised here).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/sandbox/', '^src/esr-endpoint\\.bootstrap\\.ts$', SPEC] },
      to: { path: '^src/sandbox/' },
    },
    {
      name: 'sandbox-imports-domain-only',
      comment: 'The sandbox simulates ESR apart from the gateway: of src/ it imports src/domain/ only.',
      severity: 'error',
      from: { path: '^src/sandbox/', pathNot: SPEC },
      to: { path: '^src/', pathNot: '^src/(sandbox|domain)/' },
    },
    {
      name: 'esr-wire-format-stays-in-esr',
      comment: "Only src/esr/ reads ESR's JSON (field names, parsing, validation); others use the client's parsed types.",
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/esr/', SPEC] },
      to: { path: '^src/esr/esr\\.(json-fields|person-parsing|validation|listings|transport|http)\\.ts$' },
    },
    {
      name: 'ioredis-only-in-role-store',
      comment: "Only src/role-store/ talks to Redis (it owns the connection, the key space and the Lua).",
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/role-store/', SPEC] },
      to: { path: '(^|/)node_modules/ioredis/' },
    },
    {
      name: 'typeorm-only-where-tables-are',
      comment: 'SQL (typeorm) only in the schema (src/database/) and the folders that own tables: mappings, audit, access-events, webhooks.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(database|mappings|audit|access-events|webhooks)/', APP, SPEC] },
      to: { path: '(^|/)node_modules/(typeorm|@nestjs/typeorm)/' },
    },
    {
      name: 'http-client-only-in-outbound-stack',
      comment: 'Outbound HTTP (axios) only in the one outbound stack (proxy-aware agents) and its two users: ESR and the webhook client.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/esr/', '^src/common/http/outbound-http\\.ts$', '^src/webhooks/webhook-client\\.ts$', SPEC] },
      to: { path: '(^|/)node_modules/(axios|@nestjs/axios)/' },
    },
    {
      name: 'csv-writer-is-plain',
      comment: 'src/common/csv/ is shared with the CLI: it imports nothing (no Nest, no other folder).',
      severity: 'error',
      from: { path: '^src/common/csv/', pathNot: SPEC },
      to: { pathNot: '^src/common/csv/' },
    },
    {
      name: 'domain-is-plain',
      comment: 'src/domain/ is plain TypeScript: no Nest, no database, no Redis.',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: SPEC },
      to: { path: '(^|/)node_modules/(@nestjs|typeorm|ioredis|pg|better-sqlite3)/' },
    },
    {
      name: 'no-spec-imports',
      comment: 'Production code never imports a spec.',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.spec\\.ts$' },
      to: { path: '\\.spec\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^test/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: {
      text: { highlightFocused: false },
    },
  },
};
