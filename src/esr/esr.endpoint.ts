import { OnApplicationShutdown } from '@nestjs/common';

/**
 * Where the ESR client talks to, decided at bootstrap: the configured ESR_BASE_URL, or in local mode the
 * built-in ESR sandbox that bootstrap started (closed again on shutdown through `onClose`).
 */
export class EsrEndpoint implements OnApplicationShutdown {
  private closing?: Promise<void>;

  constructor(
    readonly baseUrl: string,
    readonly kind: 'configured' | 'sandbox',
    private readonly onClose?: () => Promise<void>,
  ) {}

  /** The configured ESR (trailing slashes removed). */
  static configured(url: string): EsrEndpoint {
    return new EsrEndpoint(url.replace(/\/+$/, ''), 'configured');
  }

  /** Stops what bootstrap started for this endpoint, if anything. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= this.onClose ? this.onClose() : Promise.resolve();
    return this.closing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
