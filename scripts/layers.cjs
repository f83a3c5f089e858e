/**
 * The layers of src/, lowest first (docs/architecture.md, "Layers"). A folder in a layer may import
 * folders of lower layers only. Read by .dependency-cruiser.cjs (the rules) and
 * scripts/folder-graph.mjs (docs/folder-graph.txt).
 */
const LAYERS = [
  { name: 'domain', folders: ['domain'] },
  { name: 'config', folders: ['config'] },
  { name: 'common', folders: ['common'] },
  { name: 'stores', folders: ['role-store', 'database', 'metrics'] },
  { name: 'platform', folders: ['jobs', 'rate-limits', 'esr'] },
  { name: 'shared', folders: ['audit', 'access-policy'] },
  { name: 'engines', folders: ['sync', 'mapping-cache', 'access-events'] },
  { name: 'mappings', folders: ['mappings'] },
  { name: 'features', folders: ['access', 'reconciliation', 'webhooks'] },
  { name: 'edges', folders: ['searches', 'status-page', 'health', 'access-review'] },
];

/** The application on top: the root files (main, app.factory, app.module, the ESR endpoint bootstrap) and the OpenAPI writer. */
const APP = '^src/([^/]+\\.ts$|openapi/)';

/** Apart from the server, each with its own rule: the command line tool and the ESR sandbox. */
const APART = ['cli', 'sandbox'];

module.exports = { LAYERS, APP, APART };
