import fc from 'fast-check';
import { BODY_LIMIT_BYTES } from '../../src/app.factory';
import { CheckedClient, injectTransport } from '../support/checked-client';
import { OpenApiOperation, OpenApiResponseValidator } from '../support/openapi-validator';
import { ReliabilityRecorder } from '../support/reliability';
import { BOTH_KEY, OPS_KEY, PORTAL_KEY } from '../support/test-env';
import { accessState, FaultGateway, HOME_VPD, LiveClock, LSA, mapUser, runSync, startFaultGateway } from './fault-harness';
import { FuzzContext, requestsFor } from './fuzz-requests';

/** A fixed seed (FUZZ_SEED to replay another) and a moderate number of runs per operation (FUZZ_RUNS). */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const ESTABLISHED = '30581377'; // sandbox fixture: holds the role for 400 days, active
const SEARCHER = 'fuzz.searcher@nhs.net';

describe('Fuzzing every /v1 operation of the published OpenAPI document', () => {
  const recorder = new ReliabilityRecorder('fuzz', 'Property-based fuzzing (fast-check) of every /v1 operation');
  let g: FaultGateway;
  let client: CheckedClient;
  let operations: OpenApiOperation[];
  let ctx: FuzzContext;
  /** Routes the app registered (method and path, parameters as {name}), seen through Fastify's onRoute. */
  const served = new Set<string>();
  const statuses = new Map<number, number>();
  let fuzzed = 0;

  beforeAll(async () => {
    g = await startFaultGateway({
      clock: new LiveClock(Date.now()),
      // Fuzzed requests carry fuzzed keys from one address: the throttle of failed keys is not what this
      // tests (test/security/auth-failures.e2e-spec.ts does), so it is out of reach.
      env: { AUTH_FAILURES_PER_MINUTE: '10000' },
      beforeInit: (app) =>
        app
          .getHttpAdapter()
          .getInstance()
          .addHook('onRoute', (route) => {
            for (const method of [route.method].flat())
              if (route.url.startsWith('/v1/')) served.add(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
          }),
    });
    // The document as the running app publishes it, not the committed copy (test/openapi checks they agree).
    const published = await g.t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(published.statusCode).toBe(200);
    const validator = new OpenApiResponseValidator(published.json<Record<string, unknown>>());
    client = new CheckedClient(injectTransport(g.t.app), validator);
    operations = validator.operations.filter((op) => op.path.startsWith('/v1/'));

    const run = await runSync(client, 'full');
    await mapUser(client, SEARCHER, ESTABLISHED);
    expect(await accessState(client, SEARCHER)).toBe('ACTIVE');
    const other = g.sandbox.admin.findPersonWithoutRole(HOME_VPD, 0);
    const person = g.sandbox.admin.getPerson(HOME_VPD, other.employeeNumber);
    const niNumber = g.sandbox.admin.niNumber(HOME_VPD, other.employeeNumber) ?? 'AB123456C';
    ctx = {
      components: (validator.document.components as { schemas: FuzzContext['components'] }).schemas,
      keys: { both: BOTH_KEY, portal: PORTAL_KEY, ops: OPS_KEY },
      bodyLimit: BODY_LIMIT_BYTES,
      known: {
        actingUser: [SEARCHER, LSA],
        // Not the searcher: a fuzzed delete must not take away the mapping the searches and the last check rely on.
        portalUserId: ['fuzz.one@nhs.net', 'fuzz.two@nhs.net', LSA],
        'portalUserIds[]': ['fuzz.one@nhs.net', SEARCHER, 'nobody@nhs.net'],
        vpd: [HOME_VPD, '123', '000'],
        employeeNumber: [ESTABLISHED, other.employeeNumber, '00000000'],
        assignmentNumber: [`${other.employeeNumber}-1`],
        lastName: [person?.lastName ?? 'Smith'],
        dateOfBirth: [person?.dateOfBirth ?? '1984-03-07'],
        niNumber: [niNumber],
        runId: [String(run.runId)],
        mode: ['full', 'incremental'],
      },
      examples: {
        'POST /v1/credential-searches': [
          { vpd: HOME_VPD, employeeNumber: other.employeeNumber },
          { vpd: HOME_VPD, assignmentNumber: `${other.employeeNumber}-1` },
          { vpd: HOME_VPD, lastName: person?.lastName, dateOfBirth: person?.dateOfBirth, niNumber },
        ],
        'POST /v1/users/{portalUserId}/esr-mappings': [{ vpd: HOME_VPD, employeeNumber: other.employeeNumber }],
        'POST /v1/esr-mappings/import': [
          { items: [{ portalUserId: 'fuzz.one@nhs.net', vpd: HOME_VPD, employeeNumber: other.employeeNumber }] },
        ],
        'POST /v1/esr-access/batch': [{ portalUserIds: [SEARCHER, 'fuzz.one@nhs.net'] }],
        'POST /v1/sync/runs': [{ mode: 'incremental' }, { mode: 'full', vpd: HOME_VPD }, { mode: 'full', dryRun: true }],
      },
    };
  }, 60_000);

  afterAll(async () => {
    recorder.add('requestsFuzzed', fuzzed);
    recorder.add('responses5xx', client?.fiveXx ?? 0);
    recorder.add('operationsFuzzed', operations?.length ?? 0);
    recorder.add('openApiChecked', client?.validator.seen ?? 0);
    recorder.add('openApiViolations', client?.problems.length ?? 0);
    for (const [status, count] of [...statuses].sort(([a], [b]) => a - b)) recorder.add(`status${status}`, count);
    recorder.finish();
    await g?.close();
  }, 30_000);

  it('should publish every /v1 route it serves, so that fuzzing the document reaches them all', () => {
    // HEAD aside: Fastify's automatic twin of every GET, answered by the GET handler.
    const routes = [...served].filter((route) => !route.startsWith('HEAD ')).sort();
    expect(routes.length).toBeGreaterThan(0);
    expect(operations.map((op) => `${op.method} ${op.path}`).sort()).toEqual(routes);
  });

  it('should answer whatever is sent to any /v1 operation without a 5xx, and every 4xx with the contract error body', async () => {
    const survived = recorder.fault(
      `fuzzed requests (${RUNS} per operation, seed ${SEED})`,
      'zero 5xx; every 4xx with the contract error body; every answer as the document says',
      RUNS * operations.length,
    );
    const started = performance.now();
    for (const [index, op] of operations.entries()) {
      const property = fc.asyncProperty(requestsFor(op, ctx), async ({ request }) => {
        const before = client.problems.length;
        const answer = await client.request(request);
        fuzzed++;
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (process.env.FUZZ_DEBUG) process.stderr.write(`${op.method} ${op.path} ${answer.status} ${answer.body?.error ?? ''}\n`);
        expect(answer.status).toBeLessThan(500);
        expect(client.problems.slice(before)).toEqual([]);
      });
      const seed = SEED + index;
      await fc.assert(property, { seed, numRuns: RUNS, endOnFailure: true }).catch((error: Error) => {
        const cause = error.cause instanceof Error ? `\n${error.cause.message}` : '';
        throw new Error(`${op.method} ${op.path} failed with seed ${seed} (FUZZ_SEED=${SEED} replays the run):\n${error.message}${cause}`);
      });
    }
    recorder.measure('fuzzing took', performance.now() - started);
    expect(fuzzed).toBe(RUNS * operations.length);
    survived();
  }, 120_000);

  it('should still be ready, and still answer correctly, after the fuzzing', async () => {
    const survived = recorder.fault('the service after fuzzing', 'readiness 200; a known user still ACTIVE');
    expect((await client.request({ method: 'GET', url: '/health/ready' })).status).toBe(200);
    expect(await accessState(client, SEARCHER)).toBe('ACTIVE');
    survived();
  });
});
