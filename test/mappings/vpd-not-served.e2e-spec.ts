import { EsrClient } from '../../src/esr/esr.client';
import { CliGateway, runCli, startCliGateway } from '../cli/support/cli-harness';
import { BOTH_KEY, PORTAL_KEY } from '../support/test-env';

const portal = { authorization: `Bearer ${PORTAL_KEY}`, 'x-acting-user': 'lsa.user@trust.nhs.uk' };

/**
 * A mistyped VPD: 422 VPD_NOT_SERVED on saving, importing, looking up and reconciling, before any
 * ESR call about a record, and the CLI says it. The gateway serves ESR_VPDS=979,978 while ESR lists
 * 979 and one other VPD: 978 is one ESR does not list, the other one this gateway does not serve.
 */
describe('VPDs not served (PostgreSQL, ESR sandbox, CLI)', () => {
  let gw: CliGateway;
  let unserved: string;

  beforeAll(async () => {
    gw = await startCliGateway({ roleAssignments: 60, env: { ESR_VPDS: '979,978' } });
    unserved = gw.vpds.find((v) => v !== '979')!;
    expect(gw.vpds).not.toContain('978');
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  afterEach(() => jest.restoreAllMocks());

  const inject = (opts: Parameters<CliGateway['t']['app']['inject']>[0]) => gw.t.app.inject(opts);
  const employeeNumber = () => gw.sandbox.admin.findPersonWithoutRole('979', 0).employeeNumber;
  const listed = '978 is not a VPD ESR lists as active for this gateway; check the VPD.';
  const configured = 'is not one of the VPDs this gateway serves (ESR_VPDS); check the VPD.';

  it.each([
    ['978', listed],
    ['unserved', configured],
  ])('should refuse VPD %s on all four routes with VPD_NOT_SERVED and no ESR call about the record', async (which, sentence) => {
    const vpd = which === 'unserved' ? unserved : which;
    const esr = gw.t.app.get(EsrClient);
    const recordCalls = [jest.spyOn(esr, 'getPerson'), jest.spyOn(esr, 'listRoleAssignments'), jest.spyOn(esr, 'searchPeople')];
    const number = employeeNumber();
    const answers = [
      await inject({ method: 'POST', url: '/v1/users/typo.user/esr-mappings', headers: portal, payload: { vpd, employeeNumber: number } }),
      await inject({ method: 'GET', url: `/v1/vpds/${vpd}/people/${number}`, headers: portal }),
      await inject({ method: 'GET', url: `/v1/vpds/${vpd}/reconciliation`, headers: portal }),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ error: 'VPD_NOT_SERVED', message: `VPD ${vpd} ${sentence.replace(/^978 /, '')}` });
    }
    const imported = await inject({
      method: 'POST',
      url: '/v1/esr-mappings/import',
      headers: portal,
      payload: {
        items: [
          { portalUserId: 'typo.user', vpd, employeeNumber: number },
          { portalUserId: 'fine.user', vpd: '979', employeeNumber: number },
        ],
      },
    });
    expect(imported.json()).toMatchObject({
      created: 1,
      errors: [{ index: 0, error: 'VPD_NOT_SERVED', message: `VPD ${vpd} ${sentence.replace(/^978 /, '')}` }],
    });
    for (const call of recordCalls) for (const args of call.mock.calls) expect(args[0]).toBe('979');
    await inject({ method: 'DELETE', url: '/v1/users/fine.user/esr-mappings', headers: portal });
  });

  it('should make `esr-gateway reconcile 978` print the sentence and exit non-zero', async () => {
    const res = await runCli(['reconcile', '978'], {
      ESR_GATEWAY_URL: gw.url,
      ESR_GATEWAY_KEY: BOTH_KEY,
      ESR_GATEWAY_ACTING_USER: 'lsa@trust.nhs.uk',
    });
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toContain(`VPD ${listed}`);
    expect(res.stdout + res.stderr).not.toContain('Nothing to reconcile.');
  }, 60_000);
});
