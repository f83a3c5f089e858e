import { Person, RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.server';
import type { GatewayAnswer, GatewayRequest } from '../support/checked-client';
import type { OpenApiOperation } from '../support/openapi-validator';
import { ReliabilityRecorder } from '../support/reliability';
import { BOTH_KEY } from '../support/test-env';
import { HOME_VPD, runSync } from './fault-harness';
import { assertBuilt } from './gateway-process';
import { CrossVpd, personWithNi, prepareCrossVpd, searchAs, vpdsSeenBy } from './security-cross-vpd';
import {
  ASKED_VPD,
  ESR_CLIENT,
  keyFor,
  namesVpd,
  OTHER_VPD,
  scopedKeyFor,
  spansAllVpds,
  leaksIn,
  LOCAL_KEY,
  ModeName,
  personalDataOf,
  reachable,
  sampleRequest,
  Scope,
  scopeOf,
  secretsOf,
  SecuredGateway,
  startSecured,
  UNKNOWN_KEY,
  wrongKeyFor,
} from './security-harness';

type Credentials =
  | 'no key'
  | 'an unknown key'
  | 'the public local key'
  | 'a key of the wrong scope'
  | 'a key of the right scope'
  | 'a key of the right scope restricted to the VPD asked about'
  | 'a key of the right scope restricted to another VPD';
/** in/out of VPD scope: accepted, or 403 FORBIDDEN naming the VPD where the request names one (by route, see vpdOutcome). */
type Expected = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'accepted' | 'in VPD scope' | 'out of VPD scope';
/** What one route answers: the expected outcome made concrete for that route. */
type Outcome = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'accepted' | 'public' | 'FORBIDDEN: VPD' | 'FORBIDDEN: every VPD';
const MODES: ModeName[] = ['production', 'local', 'local with API_KEYS'];

/** What each protected route answers, by the credentials sent and the mode (null: no such key in that mode). */
// prettier-ignore
const MATRIX: Array<[Credentials, Record<ModeName, Expected | null>]> = [
  ['no key',                   { production: 'UNAUTHENTICATED', local: 'UNAUTHENTICATED', 'local with API_KEYS': 'UNAUTHENTICATED' }],
  ['an unknown key',           { production: 'UNAUTHENTICATED', local: 'UNAUTHENTICATED', 'local with API_KEYS': 'UNAUTHENTICATED' }],
  ['the public local key',     { production: 'UNAUTHENTICATED', local: 'accepted',        'local with API_KEYS': 'UNAUTHENTICATED' }],
  ['a key of the wrong scope', { production: 'FORBIDDEN',       local: null,              'local with API_KEYS': 'FORBIDDEN' }],
  ['a key of the right scope', { production: 'accepted',        local: null,              'local with API_KEYS': 'accepted' }],
  ['a key of the right scope restricted to the VPD asked about',
                               { production: 'in VPD scope',    local: null,              'local with API_KEYS': 'in VPD scope' }],
  ['a key of the right scope restricted to another VPD',
                               { production: 'out of VPD scope', local: null,             'local with API_KEYS': 'out of VPD scope' }],
];

function keyOf(credentials: Credentials, scope: Scope): string | undefined {
  if (credentials === 'an unknown key') return UNKNOWN_KEY;
  if (credentials === 'the public local key') return LOCAL_KEY;
  if (credentials === 'a key of the wrong scope') return wrongKeyFor(scope);
  if (credentials === 'a key of the right scope') return keyFor(scope);
  if (credentials === 'a key of the right scope restricted to the VPD asked about') return scopedKeyFor(scope, ASKED_VPD);
  if (credentials === 'a key of the right scope restricted to another VPD') return scopedKeyFor(scope, OTHER_VPD);
  return undefined;
}

/**
 * A VPD-scoped key on one route: routes that span every VPD (the document's 403 says so) refuse it;
 * otherwise a key of another VPD is refused where the request names a VPD and accepted (lists filtered)
 * where it does not.
 */
function vpdOutcome(expected: Expected, op: OpenApiOperation, request: GatewayRequest): Outcome {
  if (expected !== 'in VPD scope' && expected !== 'out of VPD scope') return expected;
  if (spansAllVpds(op)) return 'FORBIDDEN: every VPD';
  return expected === 'out of VPD scope' && namesVpd(op, request) ? 'FORBIDDEN: VPD' : 'accepted';
}

/** What is wrong with an answer for the expected outcome, or null. */
function mismatch(answer: GatewayAnswer, expected: Outcome, scope: string | undefined): string | null {
  const { status, body } = answer;
  if (expected === 'public') return status < 400 ? null : `${status} for a public route`;
  if (expected === 'FORBIDDEN: VPD' || expected === 'FORBIDDEN: every VPD') {
    const says = expected === 'FORBIDDEN: VPD' ? `may not act in VPD ${ASKED_VPD}: it acts only in VPD ${OTHER_VPD}` : 'every VPD';
    return status === 403 && body?.error === 'FORBIDDEN' && String(body?.message).includes(says) ? null : `${status} ${body?.error}`;
  }
  if (expected === 'UNAUTHENTICATED') return status === 401 && body?.error === 'UNAUTHENTICATED' ? null : `${status} ${body?.error}`;
  if (expected === 'FORBIDDEN')
    return status === 403 && body?.error === 'FORBIDDEN' && String(body?.message).includes(`'${scope}' scope`)
      ? null
      : `${status} ${body?.error}`;
  const refused = status === 401 || (status === 403 && body?.error === 'FORBIDDEN') || status >= 500;
  return refused ? `${status} ${body?.error}` : null;
}

describe('Security matrix: every route, every kind of credentials, local and production mode', () => {
  const recorder = new ReliabilityRecorder('security', 'Security matrix, cross-VPD searches, personal data and secrets');
  /** The production gateway's ESR (two VPDs), and a twin of the sandbox local mode builds in (same seed). */
  let esr: RunningSandbox;
  let twin: RunningSandbox;
  const personal = new Map<string, string>();
  const secrets = secretsOf();

  const remember = (label: string, person: Person, ni: string | null): void => {
    for (const [name, value] of personalDataOf(label, person, ni)) personal.set(name, value);
  };

  beforeAll(async () => {
    assertBuilt();
    esr = await startSandbox({ port: 0, vpdCount: 2, clientId: ESR_CLIENT.id, clientSecret: ESR_CLIENT.secret, rateLimitPerSecond: 0 });
    twin = await startSandbox({ port: 0 });
  });

  afterAll(async () => {
    recorder.add('personalValuesWatched', personal.size);
    recorder.add('secretsWatched', secrets.size);
    recorder.finish();
    await esr?.close();
    await twin?.close();
  });

  describe.each(MODES)('in %s mode', (mode) => {
    let g: SecuredGateway;
    let requests = 0;
    const sandboxOf = () => (mode === 'production' ? esr : twin);
    const subject = () => personWithNi(sandboxOf(), HOME_VPD);

    beforeAll(async () => {
      g = await startSecured(mode, { url: esr.url, vpds: esr.admin.vpds().map((v) => v.vpd) });
      const { person, ni } = subject();
      remember(`${mode} search subject`, person, ni);
    }, 90_000);

    afterAll(async () => {
      recorder.addClient(g?.client);
      await g?.close();
    }, 30_000);

    const rows = MATRIX.filter(([, expected]) => expected[mode] !== null).map(
      ([credentials, expected]) => [credentials, expected[mode] as Expected] as const,
    );

    it.each(rows)('should answer every route of its published document, sent %s, as %s', async (credentials, expected) => {
      const survived = recorder.fault(
        `${mode} mode, ${credentials}`,
        `every route: ${expected} (public routes: open)`,
        g.operations.length,
      );
      const { person, ni } = subject();
      const other = sandboxOf().admin.findPersonWithoutRole(HOME_VPD, 60).employeeNumber;
      const wrong: string[] = [];
      for (const op of g.operations) {
        const scope = scopeOf(op);
        // A route open to both scopes has no wrong-scope key: nothing to send for that row.
        if (scope === 'either' && credentials === 'a key of the wrong scope') continue;
        const request = sampleRequest(op, person, ni, other);
        const key = scope ? keyOf(credentials, scope) : keyOf(credentials, 'portal');
        if (key !== undefined) request.headers = { ...request.headers, authorization: `Bearer ${key}` };
        const answer = await g.client.request(request);
        if (op.path.startsWith('/v1/')) requests++; // (health probes are not logged)
        const problem = mismatch(answer, scope ? vpdOutcome(expected, op, request) : 'public', scope);
        if (problem) wrong.push(`${op.method} ${op.path}: ${problem}`);
      }
      expect(wrong).toEqual([]);
      expect(g.client.problems).toEqual([]);
      recorder.add('matrixRows', g.operations.length);
      survived();
    });

    it('should refuse every read of personal data without X-Acting-User (422, as for writes)', async () => {
      const survived = recorder.fault(`${mode} mode: personal-data reads without X-Acting-User`, 'every such GET: 422 naming the header');
      const { person, ni } = subject();
      const reads = g.operations.filter(
        (op) => op.method === 'GET' && op.parameters.some((p) => p.in === 'header' && /^x-acting-user$/i.test(p.name) && p.required),
      );
      expect(reads.map((op) => op.path)).toEqual(
        expect.arrayContaining(['/v1/users/{portalUserId}/esr-mappings', '/v1/vpds/{vpd}/reconciliation']),
      );
      const wrong: string[] = [];
      for (const op of reads) {
        const request = sampleRequest(op, person, ni, 'x');
        const key = mode === 'local' ? LOCAL_KEY : keyFor(scopeOf(op) ?? 'portal');
        delete request.headers?.['x-acting-user'];
        request.headers = { ...request.headers, authorization: `Bearer ${key}` };
        const answer = await g.client.request(request);
        requests++;
        const field = (answer.body?.details as Array<{ field: string }> | undefined)?.[0]?.field;
        if (answer.status !== 422 || field !== 'X-Acting-User') wrong.push(`${op.method} ${op.path}: ${answer.status} ${field}`);
      }
      expect(wrong).toEqual([]);
      expect(g.client.problems).toEqual([]);
      recorder.add('matrixRows', reads.length);
      survived();
    });

    if (mode === 'production') {
      describe('cross-VPD searches', () => {
        let cross: CrossVpd;
        beforeAll(async () => {
          cross = await prepareCrossVpd(g.client, esr);
          for (const [vpd, target] of Object.entries(cross.targets)) remember(`person searched in ${vpd}`, target.person, target.ni);
        }, 90_000);

        it('should let each user search only the VPD their own mapping is ACTIVE in', async () => {
          const survived = recorder.fault('cross-VPD searches', 'a user mapped in VPD A is refused in VPD B');
          const [a, b] = cross.vpds;
          // prettier-ignore
          const table: Array<[actor: string, searchIn: string, expected: string]> = [
            [cross.users[a], a, '200'],
            [cross.users[a], b, '403 ESR_ACCESS_NOT_ACTIVE'],
            [cross.users[b], b, '200'],
            [cross.users[b], a, '403 ESR_ACCESS_NOT_ACTIVE'],
          ];
          const seen = [];
          for (const [actor, vpd] of table) {
            const answer = await searchAs(g.client, actor, vpd, cross.targets[vpd]);
            for (const match of answer.body?.matches ?? []) remember(`match in ${vpd}`, match as Person, null);
            seen.push([actor, vpd, answer.status === 200 ? '200' : `${answer.status} ${answer.body?.error}`]);
          }
          expect(seen).toEqual(table);
          expect(g.client.problems).toEqual([]);
          recorder.add('crossVpdRows', table.length);
          survived();
        });

        it("should show a key restricted to one VPD only that VPD's mappings, and refuse its searches elsewhere", async () => {
          const survived = recorder.fault('VPD-scoped keys across VPDs', 'lists filtered to the key, searches elsewhere 403');
          // a: the VPD the scoped keys name; b: the other VPD of this ESR.
          const a = ASKED_VPD;
          const [b] = cross.vpds.filter((vpd) => vpd !== a);
          expect(cross.vpds).toContain(a);
          const own = scopedKeyFor('portal', ASKED_VPD);
          const elsewhere = scopedKeyFor('portal', OTHER_VPD);
          // prettier-ignore
          const seen = [
            [cross.users[a], 'unscoped', await vpdsSeenBy(g.client, keyFor('portal'), cross.users[a])],
            [cross.users[a], a,          await vpdsSeenBy(g.client, own, cross.users[a])],
            [cross.users[b], a,          await vpdsSeenBy(g.client, own, cross.users[b])],
            [cross.users[a], OTHER_VPD,  await vpdsSeenBy(g.client, elsewhere, cross.users[a])],
          ];
          expect(seen).toEqual([
            [cross.users[a], 'unscoped', { list: [a], access: [a] }],
            [cross.users[a], a, { list: [a], access: [a] }],
            [cross.users[b], a, { list: [], access: [] }],
            [cross.users[a], OTHER_VPD, { list: [], access: [] }],
          ]);
          const batch = await g.client.post('/v1/esr-access/batch', { portalUserIds: [cross.users[a], cross.users[b]] }, own);
          expect(batch.body.items.map((i: { mappings: unknown[] }) => i.mappings.length)).toEqual([1, 0]);
          expect((await searchAs(g.client, cross.users[a], a, cross.targets[a], own)).status).toBe(200);
          const refused = await searchAs(g.client, cross.users[b], b, cross.targets[b], own);
          expect([refused.status, refused.body?.error, refused.body?.message]).toEqual([
            403,
            'FORBIDDEN',
            `This API key may not act in VPD ${b}: it acts only in VPD ${a}.`,
          ]);
          expect(g.client.problems).toEqual([]);
          recorder.add('crossVpdRows', seen.length + 3);
          survived();
        });
      });

      it('should say at start-up that it is not in local mode', () => {
        const banner = g.gateway.output.join('');
        expect(banner).toContain('esr-gateway listening on 127.0.0.1');
        expect(banner).not.toContain('LOCAL MODE');
      });
    } else {
      it('should listen on 127.0.0.1 only, and say so at start-up', async () => {
        expect(g.gateway.output.join('')).toContain(`LOCAL MODE listening on 127.0.0.1:${g.gateway.port}`);
        await expect(reachable('127.0.0.1', g.gateway.port)).resolves.toBe(true);
        await expect(reachable('127.0.0.2', g.gateway.port)).resolves.toBe(false);
      });
    }

    if (mode === 'local') {
      it('should find a person with the local key, for a user mapped to a role holder of its built-in sandbox', async () => {
        const { person, ni } = subject();
        await runSync(g.client, 'full', 60_000, LOCAL_KEY);
        const mapped = await g.client.post(
          '/v1/users/hr.local%40nhs.net/esr-mappings',
          { vpd: HOME_VPD, employeeNumber: '30581377' },
          LOCAL_KEY,
          {
            'x-acting-user': 'lsa.local@nhs.net',
          },
        );
        expect(mapped.status).toBe(201);
        const answer = await searchAs(g.client, 'hr.local@nhs.net', HOME_VPD, { person, ni }, LOCAL_KEY);
        expect(answer.status).toBe(200);
        expect(answer.body.matches).toEqual([expect.objectContaining({ lastName: person.lastName, dateOfBirth: person.dateOfBirth })]);
      }, 90_000);
    }

    it('should have written no personal data or secret in its logs (every level), audit rows or metrics', async () => {
      const survived = recorder.fault(`${mode} mode: personal data and secrets`, 'none in logs, audit rows or /metrics');
      const metrics = await g.client.request({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${BOTH_KEY}` } });
      expect(metrics.status).toBe(200);
      await g.gateway.stop(); // flushes its output
      const logs = g.gateway.output.join('');
      const audit = await g.auditRows();
      const lines = logs.split('\n').filter((l) => l.startsWith('{'));
      const levels = new Set(lines.map((l) => (JSON.parse(l) as { level: number }).level));
      // The logs and the audit hold what happened (so finding nothing means something).
      expect(lines.filter((l) => l.includes('request completed')).length).toBeGreaterThanOrEqual(requests);
      expect(levels.size).toBeGreaterThanOrEqual(2);
      expect(audit.length).toBeGreaterThan(0);
      expect(metrics.text).toContain('esr_gateway_http_request_duration_seconds');
      const needles = new Map([...personal, ...secrets]);
      const found = [
        ...leaksIn('logs', logs, needles),
        ...audit.flatMap((row, i) => leaksIn(`audit row ${i}`, row, needles)),
        ...leaksIn('/metrics', metrics.text, needles),
      ];
      expect(found).toEqual([]);
      recorder.add('logLinesScanned', lines.length);
      recorder.add('auditRowsScanned', audit.length);
      recorder.add('leaksFound', found.length);
      survived();
    }, 30_000);
  });
});
