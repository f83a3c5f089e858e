import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Person, RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import { accessState, HOME_VPD, LSA, mapUser } from '../faults/fault-harness';
import { assertBuilt, GatewayProcess, migrate } from '../faults/gateway-process';
import { HttpRecorder } from '../support/http-recorder';
import { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver';
import { timeUntil } from '../support/reliability';
import { createTestDatabase, createTestRedisPrefix, OPS_KEY, REDIS_URL, TEST_API_KEYS } from '../support/test-env';

const REGISTER_JS = resolve(__dirname, '../../dist/common/tracing/register.js');
const CLIENT = 3; // SpanKind.CLIENT in OTLP
const SERVER = 2;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A W3C traceparent as the portal would send it (sampled), with its trace and parent span ids. */
function portalTrace(): { traceId: string; parentId: string; headers: Record<string, string> } {
  const traceId = hex(16);
  const parentId = hex(8);
  return { traceId, parentId, headers: { traceparent: `00-${traceId}-${parentId}-01`, tracestate: 'portal=t61rcWkgMzE' } };
}

describe('OpenTelemetry tracing (gateway process started with --import register.js)', () => {
  const receiver = new OtlpReceiver();
  let sandbox: RunningSandbox;
  let esr: HttpRecorder;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prefix: ReturnType<typeof createTestRedisPrefix>;
  let gateway: GatewayProcess;
  /** The portal's webhook receiver: the traceparent of each delivery. */
  const deliveries: string[] = [];
  let webhooks: Server;
  /** Names, dates of birth, NI numbers, employee numbers and portal ids used: none may appear in any span. */
  const personal = new Set<string>([LSA]);

  const byId = (spans: ReceivedSpan[]) => new Map(spans.map((s) => [s.spanId, s]));
  /** The span ids from `span` up to the root of its trace (as far as they were exported). */
  const ancestry = (span: ReceivedSpan, spans: ReceivedSpan[]): string[] => {
    const index = byId(spans);
    const chain: string[] = [];
    for (let at: string = span.parentSpanId; at; at = index.get(at)?.parentSpanId ?? '') chain.push(at);
    return chain;
  };
  const spansOf = async (traceId: string, ready: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> => {
    await timeUntil(() => ready(receiver.trace(traceId)), 30_000, 100);
    return receiver.trace(traceId);
  };
  const logLinesOf = (traceId: string) =>
    gateway.output
      .join('')
      .split('\n')
      .filter((line) => line.includes(traceId))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  beforeAll(async () => {
    assertBuilt();
    await receiver.start();
    sandbox = await startSandbox({ port: 0, vpdCount: 1, roleAssignments: 300, rateLimitPerSecond: 0 });
    esr = await new HttpRecorder(sandbox.url).start();
    webhooks = createServer((req, res) => {
      deliveries.push(String(req.headers.traceparent ?? ''));
      req.resume().on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((ok) => webhooks.listen(0, '127.0.0.1', ok));
    db = await createTestDatabase();
    prefix = createTestRedisPrefix();
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      DATABASE_MIGRATIONS_RUN: 'false',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix.prefix,
      API_KEYS: TEST_API_KEYS,
      AUDIT_HMAC_SECRET: 'tracing-audit-hmac-secret-0123',
      ESR_BASE_URL: esr.url,
      ESR_VPDS: HOME_VPD,
      SYNC_ENABLED: 'true',
      FULL_SYNC_CRON: '0 0 1 1 *',
      LOG_LEVEL: 'info',
      WEBHOOK_URL: `http://127.0.0.1:${(webhooks.address() as AddressInfo).port}/events`,
      WEBHOOK_SECRET: `whsec_${Buffer.from('tracing-test-key-of-32-bytes-012').toString('base64')}`,
      ALLOW_INSECURE_HTTP: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'esr-gateway-under-test',
    };
    migrate(env);
    gateway = await new GatewayProcess('traced', env, '127.0.0.1', ['--import', REGISTER_JS]).start();
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await esr?.close();
    webhooks?.closeAllConnections();
    await new Promise<void>((ok) => (webhooks ? webhooks.close(() => ok()) : ok()));
    await sandbox?.close();
    await receiver.close();
    await prefix?.cleanup();
    await db?.drop();
  });

  it('should trace a sync run from the portal traceparent through its VPD step down to ESR, which gets the same trace id', async () => {
    const { traceId, parentId, headers } = portalTrace();
    const res = await gateway.client.post('/v1/sync/runs', { mode: 'full' }, OPS_KEY, headers);
    expect(res.status).toBe(202);
    const spans = await spansOf(traceId, (s) => s.some((x) => x.name === 'sync run') && s.some((x) => x.name === 'sync VPD'));
    const server = spans.find((s) => s.kind === SERVER && s.name === 'POST /v1/sync/runs');
    expect(server).toMatchObject({ parentSpanId: parentId, attributes: { 'http.route': '/v1/sync/runs' } });
    const run = spans.find((s) => s.name === 'sync run') as ReceivedSpan;
    expect(ancestry(run, spans)).toContain(server?.spanId);
    const step = spans.find((s) => s.name === 'sync VPD') as ReceivedSpan;
    expect(step).toMatchObject({ parentSpanId: run.spanId, attributes: { 'esr.vpd': HOME_VPD } });
    const esrCall = spans.find((s) => s.parentSpanId === step.spanId && s.name.startsWith('ESR GET ')) as ReceivedSpan;
    expect(esrCall).toBeDefined();
    expect(spans.some((s) => s.name === 'ESR rate-limit wait' && s.parentSpanId === esrCall.spanId)).toBe(true);
    const outgoing = spans.filter((s) => s.kind === CLIENT && s.parentSpanId === esrCall.spanId);
    expect(outgoing.length).toBeGreaterThan(0);
    const sent = esr.calls.filter((c) => c.traceparent?.startsWith(`00-${traceId}-`)).map((c) => c.traceparent?.split('-')[2]);
    expect(sent).toEqual(expect.arrayContaining(outgoing.map((s) => s.spanId)));
    expect(receiver.resource['service.name']).toBe('esr-gateway-under-test');
    await timeUntil(async () => ((await gateway.client.get('/v1/sync/status', OPS_KEY)).body?.state ?? 'IDLE') === 'IDLE', 60_000, 200);
  }, 90_000);

  it('should trace a credential search down to the ESR call with the same trace id at ESR, log its trace ids, and carry no personal data', async () => {
    // An HR user whose access is ACTIVE, and a person to search for.
    let hr = '';
    for (let n = 0; !hr && n < 40; n++) {
      const holder = sandbox.admin.findRoleHolder(HOME_VPD, n);
      const id = `hr.tracing${n}@nhs.net`;
      await mapUser(gateway.client, id, holder.employeeNumber);
      personal.add(id).add(holder.employeeNumber);
      if ((await accessState(gateway.client, id)) === 'ACTIVE') hr = id;
    }
    expect(hr).not.toBe('');
    const { employeeNumber } = sandbox.admin.findPersonWithoutRole(HOME_VPD, 0);
    const subject = sandbox.admin.getPerson(HOME_VPD, employeeNumber) as Person;
    const ni = sandbox.admin.niNumber(HOME_VPD, employeeNumber) as string;
    for (const value of [employeeNumber, subject.firstName, subject.lastName, subject.dateOfBirth, ni]) personal.add(value);

    const { traceId, parentId, headers } = portalTrace();
    const body = { vpd: HOME_VPD, lastName: subject.lastName, dateOfBirth: subject.dateOfBirth, niNumber: ni };
    const res = await gateway.client.post('/v1/credential-searches', body, undefined, { ...headers, 'x-acting-user': hr });
    expect(res.status).toBe(200);
    const spans = await spansOf(traceId, (s) => s.some((x) => x.kind === SERVER) && s.some((x) => x.name.startsWith('ESR GET ')));
    const server = spans.find((s) => s.kind === SERVER) as ReceivedSpan;
    expect(server).toMatchObject({ name: 'POST /v1/credential-searches', parentSpanId: parentId });
    const esrCall = spans.find((s) => s.name === 'ESR GET /esr/v1/vpds/{vpd}/people') as ReceivedSpan;
    expect(ancestry(esrCall, spans)).toContain(server.spanId);
    const outgoing = spans.find((s) => s.kind === CLIENT && s.parentSpanId === esrCall.spanId) as ReceivedSpan;
    expect(esr.calls.some((c) => c.path.endsWith('/people') && c.traceparent === `00-${traceId}-${outgoing.spanId}-01`)).toBe(true);
    expect(spans.some((s) => s.scope.includes('ioredis') || s.scope.includes('pg'))).toBe(true);

    const lines = logLinesOf(traceId);
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ trace_id: traceId, span_id: server.spanId });

    const text = receiver.spans.map((s) => s.text.toLowerCase()).join('\n');
    const leaks = [...personal].filter((value) => text.includes(value.toLowerCase()));
    expect(leaks).toEqual([]);
  }, 120_000);

  it('should send each webhook delivery with the traceparent of its delivery span', async () => {
    // The mappings made above produced access-change events.
    await timeUntil(() => deliveries.some((d) => d.startsWith('00-')), 60_000, 100);
    const [, traceId, spanId] = deliveries.find((d) => d.startsWith('00-'))?.split('-') ?? [];
    const spans = await spansOf(traceId, (s) => s.some((x) => x.name === 'webhook delivery') && s.some((x) => x.spanId === spanId));
    const delivery = spans.find((s) => s.name === 'webhook delivery') as ReceivedSpan;
    expect(spans.find((s) => s.spanId === spanId)).toMatchObject({ kind: CLIENT, parentSpanId: delivery.spanId });
    expect(delivery.attributes['webhook.attempt']).toBeDefined();
  }, 90_000);
});
