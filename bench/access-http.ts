/**
 * Access resolution under load: GET /v1/users/{id}/esr-access with 1 and 5 mappings, and the
 * 100-user batch, against the gateway's own floor (GET /health/live through the same stack), all
 * measured in one run on PostgreSQL + Redis. Each resolve is one SQL query and one Redis round trip,
 * so its throughput should stay a steady fraction of the floor whatever the number of mappings.
 *
 *   npm run bench:access
 */
import { call, load, startGateway, table } from './support';

async function main(): Promise<void> {
  const gateway = await startGateway({ ESR_VPDS: '979' });
  try {
    const { url } = gateway;
    const run = (await (await call(`${url}/v1/sync/runs`, 'POST', { vpd: '979', mode: 'full' })).json()) as { runId: string };
    for (let i = 0; i < 100; i += 1) {
      const { state } = (await (await call(`${url}/v1/sync/runs/${run.runId}`, 'GET')).json()) as { state: string };
      if (state !== 'queued' && state !== 'running') {
        if (state !== 'succeeded') throw new Error(`sync run ended ${state}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await call(`${url}/v1/users/hr.one@trust.nhs.uk/esr-mappings`, 'POST', { vpd: '979', employeeNumber: '30581377' });
    for (let i = 0; i < 5; i += 1)
      await call(`${url}/v1/users/hr.five@trust.nhs.uk/esr-mappings`, 'POST', { vpd: '979', employeeNumber: String(40000000 + i) });
    const ids: string[] = [];
    for (let i = 0; i < 100; i += 1) {
      const id = `batch.user.${i}`;
      ids.push(id);
      await call(`${url}/v1/users/${id}/esr-mappings`, 'POST', { vpd: '979', employeeNumber: String(50000000 + i) });
    }

    const baseline = await load('GET /health/live (floor: no I/O, not logged)', { url: `${url}/health/live` });
    const rows = [
      baseline,
      await load('GET esr-access, 1 mapping', { url: `${url}/v1/users/hr.one@trust.nhs.uk/esr-access` }),
      await load('GET esr-access, 5 mappings', { url: `${url}/v1/users/hr.five@trust.nhs.uk/esr-access` }),
      await load('POST esr-access/batch, 100 users', {
        url: `${url}/v1/esr-access/batch`,
        method: 'POST',
        body: { portalUserIds: ids },
        connections: 10,
      }),
      await load('GET esr-mappings (SQL only)', { url: `${url}/v1/users/hr.five@trust.nhs.uk/esr-mappings` }),
    ];
    process.stdout.write(
      `\nAccess resolution (server in its own process; 50 connections unless noted; 8 s each)\n${table(rows, baseline)}\n`,
    );
  } finally {
    await gateway.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
