import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { validateEnvironment } from '../config/env.schema';
import { JobScheduler } from '../jobs/job-scheduler';
import { AccessMonitor } from '../access-events/access-monitor.service';
import { WebhookOutboxService } from './webhook-outbox.service';
import { WebhookSender } from './webhook-sender';
import { WebhooksScheduler } from './webhooks-scheduler';
import { WebhooksMetrics } from './webhooks.metrics';

const STANDARD = `whsec_${Buffer.from('scheduler-spec-key-of-32-bytes-0').toString('base64')}`;
const RAW = 'a-raw-webhook-secret-0123';

/** The start-up lines of a replica with these variables (SYNC_ENABLED=false: nothing is scheduled). */
function startUpLines(env: Record<string, string>): { log: string[]; warn: string[] } {
  const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  try {
    const config = AppConfig.from(validateEnvironment({ SYNC_ENABLED: 'false', ...env }));
    const metrics = { refreshBacklogOnScrape: () => undefined } as unknown as WebhooksMetrics;
    new WebhooksScheduler(
      {} as JobScheduler,
      {} as AccessMonitor,
      {} as WebhookSender,
      {} as WebhookOutboxService,
      config.settings.sync,
      config.settings.webhooks,
      metrics,
    ).onApplicationBootstrap();
    return { log: log.mock.calls.map(([m]) => String(m)), warn: warn.mock.calls.map(([m]) => String(m)) };
  } finally {
    log.mockRestore();
    warn.mockRestore();
  }
}

describe(WebhooksScheduler.name, () => {
  it('should say at start, in one line, that a whsec_ secret signs the events, never the secret', () => {
    const lines = startUpLines({ WEBHOOK_URL: 'http://127.0.0.1:9/hook', WEBHOOK_SECRET: STANDARD });
    expect(lines).toEqual({ log: [expect.stringContaining('Standard Webhooks secret (whsec_)')], warn: [] });
    expect(JSON.stringify(lines)).not.toContain(STANDARD.slice(6, 20));
  });

  it('should warn at start, in one line, that a raw secret is deprecated, never the secret', () => {
    const lines = startUpLines({ WEBHOOK_URL: 'http://127.0.0.1:9/hook', WEBHOOK_SECRET: RAW });
    expect(lines).toEqual({ log: [], warn: [expect.stringContaining('raw secret (deprecated')] });
    expect(JSON.stringify(lines)).not.toContain(RAW);
  });

  it('should say nothing of a secret when webhooks are off', () => {
    expect(startUpLines({})).toEqual({ log: [], warn: [] });
  });
});
