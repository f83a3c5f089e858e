import type { SyncStatusDto } from '../sync/dto/sync-responses.dto';

/**
 * What the status page reads, each behind one narrow interface so the module does not depend on how
 * the sync, the ESR client or the webhook outbox are built inside (StatusPageModule binds them).
 */

/** The ops API's sync status (GET /v1/sync/status): the page shows the same answer. */
export const SYNC_STATUS_SOURCE = Symbol('SYNC_STATUS_SOURCE');
export interface SyncStatusSource {
  status(): Promise<SyncStatusDto>;
}

/** The ESR circuit breaker of this replica. */
export const ESR_BREAKER_SOURCE = Symbol('ESR_BREAKER_SOURCE');
export interface EsrBreakerSource {
  breakerState(): 'closed' | 'open' | 'half-open';
}

/**
 * The access-change webhook outbox (optional). Not bound: the page says "webhooks off"; bound, it
 * answers null when WEBHOOK_URL is unset (also "webhooks off"), else the backlog.
 */
export const WEBHOOK_BACKLOG_SOURCE = Symbol('WEBHOOK_BACKLOG_SOURCE');
export interface WebhookBacklog {
  /** Deliveries waiting to be sent or retried. */
  pending: number;
  /** Dead-lettered deliveries (gave up after WEBHOOK_MAX_ATTEMPTS). */
  failed: number;
  /** When the oldest pending delivery was queued (ISO-8601 UTC), or null. */
  oldestPendingAt: string | null;
}
export interface WebhookBacklogSource {
  backlog(): Promise<WebhookBacklog | null>;
}
