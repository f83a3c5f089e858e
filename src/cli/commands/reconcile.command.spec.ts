import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { Reconciliation } from '../api.types';
import { CommandContext } from '../context';
import { GatewayClient } from '../gateway-client';
import { Terminal } from '../terminal';
import { reconcileCommand } from './reconcile.command';

const PAGE_1: Reconciliation = {
  vpd: '979',
  asOf: '2026-11-25T10:12:00.000Z',
  counts: { unmappedHolders: 2, noRole: 1, inactive: 0, pending: 0, unverified: 0, active: 7 },
  items: [
    { kind: 'UNMAPPED_HOLDER', vpd: '979', employeeNumber: '30581377', reason: 'ESR holds the role; no portal account is mapped.' },
    { kind: 'UNMAPPED_HOLDER', vpd: '979', employeeNumber: '30581378', reason: 'ESR holds the role; no portal account is mapped.' },
  ],
  nextCursor: 'page-2',
};
const PAGE_2: Reconciliation = {
  ...PAGE_1,
  items: [{ kind: 'NO_ROLE', vpd: '979', employeeNumber: '30581379', portalUserId: 'hr.user@trust.nhs.uk', reason: 'No current role.' }],
  nextCursor: null,
};
const CSV =
  'kind,vpd,employeeNumber,portalUserId,displayName,effectiveFrom,reason\r\nNO_ROLE,979,30581379,hr.user@trust.nhs.uk,,,No current role.\r\n';

/** A stand-in gateway answering the reconciliation route as gateway-api.md describes it. */
function standInGateway(seen: string[]): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url} ${req.headers.accept} ${req.headers.authorization} ${String(req.headers['x-acting-user'])}`);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (url.pathname === '/v1/vpds/123/reconciliation') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'NOT_FOUND', message: 'VPD 123 is not served.', requestId: 'r1' }));
    } else if (req.headers.accept === 'text/csv') res.writeHead(200, { 'content-type': 'text/csv' }).end(CSV);
    else
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(url.searchParams.get('cursor') === 'page-2' ? PAGE_2 : PAGE_1));
  });
}

describe(reconcileCommand.name, () => {
  let server: Server;
  const seen: string[] = [];
  let out: string;
  let ctx: CommandContext;

  beforeAll(async () => {
    server = standInGateway(seen);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    seen.length = 0;
    out = '';
    const stdout = new PassThrough();
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const term = new Terminal(stdout as unknown as NodeJS.WriteStream, new PassThrough() as unknown as NodeJS.WriteStream, process.stdin, {
      env: {},
    });
    const { port } = server.address() as AddressInfo;
    const client = new GatewayClient({
      url: `http://127.0.0.1:${port}`,
      key: 'ops-key-123',
      actingUser: 'lsa@trust.nhs.uk',
      timeoutMs: 5000,
    });
    ctx = { client, term, now: () => Date.parse('2026-11-25T10:15:00Z'), sleep: async () => undefined };
  });

  it('should follow nextCursor and print the counts and every row as tables', async () => {
    await expect(reconcileCommand(ctx, { vpd: '979', csv: false, limit: 500 })).resolves.toBe(0);
    expect(seen).toEqual([
      'GET /v1/vpds/979/reconciliation application/json Bearer ops-key-123 lsa@trust.nhs.uk',
      'GET /v1/vpds/979/reconciliation?cursor=page-2 application/json Bearer ops-key-123 lsa@trust.nhs.uk',
    ]);
    expect(out).toContain('Reconciliation of VPD 979 as of 25 Nov 2026 at 10:12 (3 min ago)');
    expect(out).toMatch(/│ Role holders with no portal account mapped \(UNMAPPED_HOLDER\) +│ +2 │/);
    expect(out).toMatch(/│ UNMAPPED_HOLDER │ 30581377 +│ -/);
    expect(out).toMatch(/│ NO_ROLE +│ 30581379 +│ hr\.user@trust\.nhs\.uk │/);
  });

  it("should not put the gateway's as-of time in the future when this machine's clock is a little behind", async () => {
    ctx = { ...ctx, now: () => Date.parse('2026-11-25T10:11:40Z') };
    await reconcileCommand(ctx, { vpd: '979', csv: false, limit: 500 });
    expect(out).toContain('Reconciliation of VPD 979 as of 25 Nov 2026 at 10:12 (just now)');
    expect(out).not.toContain('in under a minute');
  });

  it('should stop at --limit and say how to see the rest', async () => {
    await reconcileCommand(ctx, { vpd: '979', csv: false, limit: 1 });
    expect(seen).toHaveLength(1);
    expect(out).toContain('Showing the first 1 rows: use --csv for all of them, or --kind to narrow.');
  });

  it("should stream the gateway's CSV as it is, asking with Accept: text/csv and the kind", async () => {
    await reconcileCommand(ctx, { vpd: '979', csv: true, kind: 'NO_ROLE', limit: 500 });
    expect(seen).toEqual(['GET /v1/vpds/979/reconciliation?kind=NO_ROLE text/csv Bearer ops-key-123 lsa@trust.nhs.uk']);
    expect(out).toBe(CSV);
  });

  it('should refuse to start without --acting-user, since the gateway audits who reads these lists', async () => {
    const client = new GatewayClient({ url: ctx.client.url, key: 'ops-key-123', timeoutMs: 5000 });
    await expect(reconcileCommand({ ...ctx, client }, { vpd: '979', csv: false, limit: 500 })).rejects.toThrow(
      'reconcile needs --acting-user (or ESR_GATEWAY_ACTING_USER)',
    );
    expect(seen).toEqual([]);
  });

  it("should fail with the contract error body's sentence", async () => {
    await expect(reconcileCommand(ctx, { vpd: '123', csv: false, limit: 500 })).rejects.toThrow(
      'VPD 123 is not served. (NOT_FOUND, request r1)',
    );
  });
});
