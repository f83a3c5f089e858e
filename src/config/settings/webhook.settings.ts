import { EnvironmentVariables } from '../env.schema';

/** Access-change events to the portal: where, signed with what, and how many attempts before the dead letter. */
export class WebhookSettings {
  /** The portal's receiver and signing key, or undefined when webhooks are off (WEBHOOK_URL and WEBHOOK_SECRET). */
  readonly target: { url: string; secret: string } | undefined;
  /** WEBHOOK_MAX_ATTEMPTS: a delivery failing this many times, the first included, is dead-lettered. */
  readonly maxAttempts: number;

  constructor(env: EnvironmentVariables) {
    this.target = env.WEBHOOK_URL && env.WEBHOOK_SECRET ? { url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET } : undefined;
    this.maxAttempts = env.WEBHOOK_MAX_ATTEMPTS;
  }

  get enabled(): boolean {
    return this.target !== undefined;
  }
}
