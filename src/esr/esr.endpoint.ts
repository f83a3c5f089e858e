import { OnApplicationShutdown } from '@nestjs/common';
import type { RunningSandbox } from '../sandbox/sandbox.server';

/**
 * Where the ESR client talks to: the configured ESR_BASE_URL, or the built-in ESR sandbox started
 * in-process on an ephemeral port when none is configured (closed again on shutdown).
 */
export class EsrEndpoint implements OnApplicationShutdown {
  private closing?: Promise<void>;

  constructor(
    readonly baseUrl: string,
    readonly kind: 'configured' | 'sandbox',
    /** The running sandbox (its admin API, for tests and local development); undefined for a real ESR. */
    readonly sandbox?: RunningSandbox,
  ) {}

  /** Stops the built-in sandbox, if this endpoint started one. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= this.sandbox ? this.sandbox.close() : Promise.resolve();
    return this.closing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
