import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OPS_KEY } from './test-secrets';

/**
 * Waits until the sync run `runId` ends (polling GET /v1/sync/runs/{runId} every 50 ms, at most
 * `attempts` times); throws unless it succeeded.
 */
export async function waitForSyncRun(app: NestFastifyApplication, runId: string, attempts = 1200): Promise<void> {
  const headers = { authorization: `Bearer ${OPS_KEY}` };
  for (let i = 0; i < attempts; i++) {
    const run = await app.inject({ method: 'GET', url: `/v1/sync/runs/${runId}`, headers });
    const { state } = run.json<{ state: string }>();
    if (state !== 'queued' && state !== 'running') {
      if (state !== 'succeeded') throw new Error(`the sync run ended ${run.body}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the sync did not finish');
}
