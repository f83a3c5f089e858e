import { EnvironmentVariables } from '../env.schema';
import { parseWebhookSecret, WebhookSigningKey } from '../webhook-secret';

/** Access-change events to the portal: where, signed with what, and how many attempts before the dead letter. */
export class WebhookSettings {
  /**
   * The portal's receiver and WEBHOOK_SECRET, with the key parsed once (`whsec_` + base64, or the
   * deprecated raw form: src/config/webhook-secret.ts), or undefined when webhooks are off.
   */
  readonly target: { url: string; secret: string; key: WebhookSigningKey } | undefined;
  /** WEBHOOK_MAX_ATTEMPTS: a delivery failing this many times, the first included, is dead-lettered. */
  readonly maxAttempts: number;

  constructor(env: EnvironmentVariables) {
    this.target =
      env.WEBHOOK_URL && env.WEBHOOK_SECRET
        ? { url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET, key: parseWebhookSecret(env.WEBHOOK_SECRET) }
        : undefined;
    this.maxAttempts = env.WEBHOOK_MAX_ATTEMPTS;
  }

  get enabled(): boolean {
    return this.target !== undefined;
  }
}
