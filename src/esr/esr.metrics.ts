import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

/** Route templates of the ESR API: the `endpoint` label of every ESR metric (never a raw URL). */
export const ESR_ENDPOINTS = {
  token: 'POST /oauth2/token',
  vpds: 'GET /esr/v1/vpds',
  roleAssignments: 'GET /esr/v1/vpds/{vpd}/supplementary-role-assignments',
  roleChanges: 'GET /esr/v1/vpds/{vpd}/supplementary-role-assignments/changes',
  people: 'GET /esr/v1/vpds/{vpd}/people',
  person: 'GET /esr/v1/vpds/{vpd}/people/{employeeNumber}',
} as const;

export type EsrEndpointName = (typeof ESR_ENDPOINTS)[keyof typeof ESR_ENDPOINTS];

/** Breaker state as the gauge reports it. */
export const BREAKER_GAUGE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** The ESR client's Prometheus metrics, all named `esr_gateway_esr_*` (provided by EsrModule). */
@Injectable()
export class EsrMetrics {
  readonly requests: Counter<'endpoint' | 'status'>;
  readonly duration: Histogram<'endpoint' | 'status'>;
  readonly retries: Counter<'endpoint' | 'reason'>;
  readonly breakerState: Gauge;
  readonly shortCircuited: Counter;
  readonly tokenFetches: Counter<'result'>;
  readonly skippedItems: Counter<'endpoint'>;
  readonly queueWait: Histogram<'lane'>;
  readonly deadlineExceeded: Counter<'endpoint'>;
  readonly budgetWait: Histogram<'lane'>;
  readonly budgetSaturated: Counter<'lane'>;
  readonly budgetUsed: Gauge;
  readonly budgetFallback: Gauge;

  constructor(metrics: MetricsService) {
    this.requests = metrics.counter({
      name: 'esr_gateway_esr_requests_total',
      help: 'HTTP exchanges with ESR by endpoint (route template) and status (HTTP code, timeout or network_error)',
      labelNames: ['endpoint', 'status'],
    });
    this.duration = metrics.histogram({
      name: 'esr_gateway_esr_request_duration_seconds',
      help: 'Duration of one HTTP exchange with ESR by endpoint and status',
      labelNames: ['endpoint', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.retries = metrics.counter({
      name: 'esr_gateway_esr_retries_total',
      help: 'ESR calls retried, by endpoint and reason (network, timeout, server_error, throttled, invalid_response)',
      labelNames: ['endpoint', 'reason'],
    });
    this.breakerState = metrics.gauge({
      name: 'esr_gateway_esr_circuit_breaker_state',
      help: 'ESR circuit breaker state: 0 closed, 1 half-open, 2 open',
    });
    this.shortCircuited = metrics.counter({
      name: 'esr_gateway_esr_short_circuited_total',
      help: 'ESR calls failed fast without contacting ESR because the circuit breaker was open',
    });
    this.tokenFetches = metrics.counter({
      name: 'esr_gateway_esr_token_fetches_total',
      help: 'OAuth2 access tokens requested from ESR, by result (success, failure)',
      labelNames: ['result'],
    });
    this.skippedItems = metrics.counter({
      name: 'esr_gateway_esr_skipped_items_total',
      help: 'Items in ESR answers that broke the contract and were left out, by endpoint',
      labelNames: ['endpoint'],
    });
    this.queueWait = metrics.histogram({
      name: 'esr_gateway_esr_queue_wait_seconds',
      help: "Time an HTTP exchange with ESR waited for its turn (ESR's rate limit, the concurrency limit), by lane (interactive, sync)",
      labelNames: ['lane'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.deadlineExceeded = metrics.counter({
      name: 'esr_gateway_esr_deadline_exceeded_total',
      help: 'ESR calls ended because their deadline (ESR_INTERACTIVE_DEADLINE for interactive calls) passed, by endpoint',
      labelNames: ['endpoint'],
    });
    this.budgetWait = metrics.histogram({
      name: 'esr_gateway_esr_budget_wait_seconds',
      help: "Time a call at the head of its lane waited for a place in ESR's rate budget (shared by every replica with Redis), by lane",
      labelNames: ['lane'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.budgetSaturated = metrics.counter({
      name: 'esr_gateway_esr_budget_saturated_total',
      help: "Takes refused because ESR's rate budget was full for the lane (the sync's share, or all of it for interactive calls), by lane",
      labelNames: ['lane'],
    });
    this.budgetUsed = metrics.gauge({
      name: 'esr_gateway_esr_budget_used',
      help: "Places taken in ESR's rate budget (every replica with Redis) at this replica's last take; ESR_RATE_LIMIT_PER_SECOND is full",
    });
    this.budgetFallback = metrics.gauge({
      name: 'esr_gateway_esr_budget_fallback',
      help: "1 while Redis is away and this replica keeps to its own share of ESR's rate limit (limit / replicas), else 0",
    });
    this.breakerState.set(BREAKER_GAUGE_VALUE.closed);
  }
}
