import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

/** Outcome of a search: the audit event's `outcome` and the metric's label. */
export const SEARCH_OUTCOMES = [
  'MATCHED_ONE',
  'MATCHED_MANY',
  'NO_MATCH',
  'ESR_UNAVAILABLE',
  'ESR_TIMEOUT',
  'ACCESS_NOT_ACTIVE',
  'RATE_LIMITED',
  'ERROR',
] as const;
export type SearchOutcome = (typeof SEARCH_OUTCOMES)[number];

/** The credential searches' Prometheus metrics. */
@Injectable()
export class SearchesMetrics {
  private readonly searches: Counter<'outcome'>;

  constructor(metrics: MetricsService) {
    this.searches = metrics.counter({
      name: 'esr_gateway_credential_searches_total',
      help: 'Credential searches ("Search ESR") by outcome: MATCHED_ONE, MATCHED_MANY, NO_MATCH, ESR_UNAVAILABLE, ESR_TIMEOUT, ACCESS_NOT_ACTIVE, RATE_LIMITED, ERROR',
      labelNames: ['outcome'],
    });
  }

  searched(outcome: SearchOutcome): void {
    this.searches.inc({ outcome });
  }
}
