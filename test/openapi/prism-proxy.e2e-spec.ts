import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { FakeClock } from '../../src/common/clock/clock';
import { RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { BOTH_KEY, OPS_KEY, PORTAL_KEY, startTestApp, TestApp } from '../support/test-env';

const ROOT = resolve(__dirname, '../..');
const PRISM = realpathSync(join(ROOT, 'node_modules/.bin/prism'));
const BUDGET = 40;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Prism's validating proxy: a response the document does not describe comes back as a 500 naming the violations. */
async function startPrism(upstream: string, document = 'openapi.json'): Promise<{ url: string; process: ChildProcess; output: string[] }> {
  const port = await freePort();
  const args = [PRISM, 'proxy', document, upstream, '--errors', '--validate-request=false', '--cors=false', '-p', String(port)];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  await new Promise<void>((ready, failed) => {
    const seen = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (/listening on/i.test(output.join(''))) ready();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', () => failed(new Error(`prism exited:\n${output.join('')}`)));
  });
  return { url: `http://127.0.0.1:${port}`, process: child, output };
}

type Node = Record<string, unknown>;
const DOC = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, Node>>;
  components: { schemas: Record<string, Node> };
};

function resolveRef(schema: Node): Node {
  const ref = schema.$ref as string | undefined;
  if (!ref) return schema;
  const [name, ...rest] = ref.replace('#/components/schemas/', '').split('/');
  return resolveRef(rest.reduce<Node>((node, key) => node[key] as Node, DOC.components.schemas[name]));
}

/** An example value built from a schema's own examples, as a generator or Dredd would. */
function composed(given: Node): unknown {
  const schema = resolveRef(given);
  if ('example' in schema) return schema.example;
  if (Array.isArray(schema.oneOf)) return composed(schema.oneOf[0] as Node);
  if (schema.items) return [composed(schema.items as Node)];
  const properties = schema.properties as Record<string, Node> | undefined;
  if (!properties) return undefined;
  return Object.fromEntries(
    Object.entries(properties).flatMap(([name, child]) => {
      const value = composed(child);
      return value === undefined ? [] : [[name, value]];
    }),
  );
}

/** Every request body example of the document (media-type examples, else built from field examples), with its path and headers filled from theirs. */
function exampleRequests(): Array<{
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  responses: Node;
}> {
  return Object.entries(DOC.paths).flatMap(([template, item]) =>
    Object.entries(item).flatMap(([method, op]) => {
      const media = (op.requestBody as { content?: Record<string, Node> } | undefined)?.content?.['application/json'];
      if (!media) return [];
      const parameters = (op.parameters as Array<{ name: string; in: string; example?: unknown; schema?: Node }> | undefined) ?? [];
      const valueOf = (p: (typeof parameters)[number]) => `${(p.example ?? p.schema?.example ?? '') as string | number}`;
      const path = parameters
        .filter((p) => p.in === 'path')
        .reduce((url, p) => url.replace(`{${p.name}}`, encodeURIComponent(valueOf(p))), template);
      const headers = Object.fromEntries(parameters.filter((p) => p.in === 'header' && valueOf(p)).map((p) => [p.name, valueOf(p)]));
      const examples = media.examples
        ? Object.entries(media.examples as Record<string, { value: unknown }>).map(([name, e]) => [name, e.value] as const)
        : [['fields', composed(media.schema as Node)] as const];
      return examples.map(([name, body]) => ({ name, method: method.toUpperCase(), path, headers, body, responses: op.responses as Node }));
    }),
  );
}

interface Call {
  name: string;
  method: string;
  path: string;
  key?: string;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
}

describe('A Prism validating proxy (openapi.json) in front of a running gateway', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:12:00Z'));
  let sandbox: RunningSandbox;
  let t: TestApp;
  let prism: Awaited<ReturnType<typeof startPrism>>;
  const violations: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: () => clock.now(), rateLimitPerSecond: 0 });
    t = await startTestApp({ ESR_BASE_URL: sandbox.url, ESR_VPDS: '979', API_RATE_LIMIT_PER_MINUTE: String(BUDGET) }, clock);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.getHttpServer().address() as { port: number };
    prism = await startPrism(`http://127.0.0.1:${port}`);
  }, 60_000);

  afterAll(async () => {
    prism?.process.kill();
    await t?.close();
    await sandbox?.close();
  });

  async function send(call: Call): Promise<void> {
    const headers: Record<string, string> = { ...call.headers };
    if (call.key) headers.authorization = `Bearer ${call.key}`;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${prism.url}${call.path}`, {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
    });
    const text = await response.text();
    if (response.status !== call.status || response.headers.get('sl-violations'))
      violations.push(
        `${call.name}: ${response.status} (expected ${call.status}) ${response.headers.get('sl-violations') ?? ''} ${text.slice(0, 600)}`,
      );
  }

  it('should pass every answer of a portal and an ops session (JSON, CSV and errors) without a violation', async () => {
    const holder = sandbox.admin.findRoleHolder('979', 5);
    const actor = { 'x-acting-user': 'lsa.user@nhs.net' };
    const mapping = { vpd: '979', employeeNumber: holder.employeeNumber };
    const calls: Call[] = [
      { name: 'liveness', method: 'GET', path: '/health/live', status: 200 },
      { name: 'readiness', method: 'GET', path: '/health/ready', status: 200 },
      { name: 'no key', method: 'GET', path: '/v1/users/prism.user/esr-mappings', status: 401 },
      { name: 'unknown key', method: 'GET', path: '/v1/users/prism.user/esr-mappings', key: 'not-a-key-000000', status: 401 },
      { name: 'wrong scope', method: 'GET', path: '/v1/sync/status', key: PORTAL_KEY, status: 403 },
      { name: 'no mappings', method: 'GET', path: '/v1/users/prism.user/esr-mappings', key: PORTAL_KEY, headers: actor, status: 200 },
      { name: 'no acting user', method: 'GET', path: '/v1/users/prism.user/esr-mappings', key: PORTAL_KEY, status: 422 },
      {
        name: 'create',
        method: 'POST',
        path: '/v1/users/prism.user/esr-mappings',
        key: PORTAL_KEY,
        headers: actor,
        body: mapping,
        status: 201,
      },
      {
        name: 'again',
        method: 'POST',
        path: '/v1/users/prism.user/esr-mappings',
        key: PORTAL_KEY,
        headers: actor,
        body: mapping,
        status: 409,
      },
      {
        name: 'unknown record',
        method: 'POST',
        path: '/v1/users/prism.other/esr-mappings',
        key: PORTAL_KEY,
        headers: actor,
        body: { vpd: '979', employeeNumber: '00000002' },
        status: 422,
      },
      {
        name: 'bad body',
        method: 'POST',
        path: '/v1/users/prism.other/esr-mappings',
        key: PORTAL_KEY,
        headers: actor,
        body: { vpd: '97' },
        status: 422,
      },
      { name: 'mappings', method: 'GET', path: '/v1/users/prism.user/esr-mappings', key: PORTAL_KEY, headers: actor, status: 200 },
      {
        name: 'look-up',
        method: 'GET',
        path: `/v1/vpds/979/people/${holder.employeeNumber}`,
        key: PORTAL_KEY,
        headers: actor,
        status: 200,
      },
      { name: 'access', method: 'GET', path: '/v1/users/prism.user/esr-access', key: PORTAL_KEY, status: 200 },
      {
        name: 'batch',
        method: 'POST',
        path: '/v1/esr-access/batch',
        key: PORTAL_KEY,
        body: { portalUserIds: ['prism.user', 'prism.nobody'] },
        status: 200,
      },
      { name: 'reconciliation', method: 'GET', path: '/v1/vpds/979/reconciliation', key: PORTAL_KEY, headers: actor, status: 200 },
      {
        name: 'reconciliation csv',
        method: 'GET',
        path: '/v1/vpds/979/reconciliation',
        key: PORTAL_KEY,
        headers: { ...actor, accept: 'text/csv' },
        status: 200,
      },
      { name: 'unserved vpd', method: 'GET', path: '/v1/vpds/123/reconciliation', key: PORTAL_KEY, headers: actor, status: 422 },
      { name: 'access review', method: 'GET', path: '/v1/vpds/979/access-review', key: OPS_KEY, headers: actor, status: 200 },
      {
        name: 'access review csv',
        method: 'GET',
        path: '/v1/vpds/979/access-review',
        key: OPS_KEY,
        headers: { ...actor, accept: 'text/csv' },
        status: 200,
      },
      {
        name: 'no such mapping',
        method: 'DELETE',
        path: '/v1/users/prism.user/esr-mappings/979/00000003',
        key: PORTAL_KEY,
        headers: actor,
        status: 404,
      },
      {
        name: 'delete',
        method: 'DELETE',
        path: `/v1/users/prism.user/esr-mappings/979/${holder.employeeNumber}`,
        key: PORTAL_KEY,
        headers: actor,
        status: 204,
      },
      { name: 'sync status', method: 'GET', path: '/v1/sync/status', key: OPS_KEY, status: 200 },
      {
        name: 'dry run',
        method: 'POST',
        path: '/v1/sync/runs',
        key: OPS_KEY,
        body: { mode: 'full', vpd: '979', dryRun: true },
        status: 200,
      },
      { name: 'no such run', method: 'GET', path: '/v1/sync/runs/3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a', key: OPS_KEY, status: 404 },
      { name: 'nothing held', method: 'POST', path: '/v1/sync/vpds/979/held-removals/approve', key: OPS_KEY, headers: actor, status: 404 },
      { name: 'audit', method: 'GET', path: '/v1/audit/events?limit=5', key: OPS_KEY, status: 200 },
      { name: 'deliveries', method: 'GET', path: '/v1/webhooks/deliveries', key: OPS_KEY, status: 200 },
      {
        name: 'no such delivery',
        method: 'POST',
        path: '/v1/webhooks/deliveries/0b6f1f9e-4c1d-4f37-9a53-2b7f3c0e8d11/retry',
        key: OPS_KEY,
        status: 404,
      },
    ];
    for (const call of calls) await send(call);
    for (let i = 0; i < BUDGET; i++)
      await send({ name: `budget ${i}`, method: 'GET', path: '/v1/sync/status', key: BOTH_KEY, status: 200 });
    await send({ name: 'over budget', method: 'GET', path: '/v1/sync/status', key: BOTH_KEY, status: 429 });
    expect(violations).toEqual([]);
  }, 120_000);

  it("should answer every request built from the document's own examples with a documented status, never VALIDATION_FAILED", async () => {
    const answers: string[] = [];
    for (const request of exampleRequests()) {
      const key =
        request.path.startsWith('/v1/sync') || request.path.startsWith('/v1/audit') || request.path.startsWith('/v1/webhooks')
          ? OPS_KEY
          : PORTAL_KEY;
      const response = await fetch(`${prism.url}${request.path}`, {
        method: request.method,
        headers: { ...request.headers, authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(request.body),
      });
      const text = await response.text();
      const documented = Object.keys(request.responses).includes(String(response.status));
      if (!documented || text.includes('VALIDATION_FAILED') || response.headers.get('sl-violations'))
        answers.push(`${request.method} ${request.path} (${request.name}): ${response.status} ${text.slice(0, 400)}`);
    }
    expect(answers).toEqual([]);
  }, 60_000);

  it('should catch a document that does not tell the truth (the proxy really validates)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prism-lie-'));
    const doc = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as {
      components: { schemas: Record<string, { required: string[] }> };
    };
    doc.components.schemas.SyncStatusDto.required.push('notSentByTheGateway');
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
    const { port } = t.app.getHttpServer().address() as { port: number };
    const liar = await startPrism(`http://127.0.0.1:${port}`, join(dir, 'openapi.json'));
    try {
      const response = await fetch(`${liar.url}/v1/sync/status`, { headers: { authorization: `Bearer ${OPS_KEY}` } });
      expect(response.status).toBe(500);
      expect(await response.text()).toContain('notSentByTheGateway');
    } finally {
      liar.process.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
