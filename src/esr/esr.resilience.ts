import { Logger } from '@nestjs/common';
import {
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  RetryPolicy,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  retry,
} from 'cockatiel';
import { EsrSettings } from '../config/settings/esr.settings';
import { EsrUnavailableError } from './esr.errors';
import { BREAKER_FAILURES, EsrCallFailure, RETRIED, RetryAfterBackoff, shortCircuitError } from './esr.failures';
import { BREAKER_GAUGE_VALUE, EsrMetrics } from './esr.metrics';
import type { EsrBreakerState } from './esr.types';

/*
 * The ESR client's retry policy and circuit breaker (cockatiel), with their metrics and log lines.
 * EsrClient puts them together with the scheduler, token and timeout in its call pipeline.
 */

/**
 * ESR_MAX_ATTEMPTS attempts in all on the failures in RETRIED (unless marked final), with exponential
 * backoff and full jitter, or ESR's Retry-After (capped at ESR_RETRY_AFTER_CAP).
 */
export function esrRetryPolicy(settings: EsrSettings, metrics: EsrMetrics, logger: Logger): RetryPolicy {
  const policy = retry(
    handleWhen((e) => e instanceof EsrCallFailure && RETRIED.has(e.kind) && !e.final),
    {
      maxAttempts: settings.maxAttempts - 1, // cockatiel counts retries; the setting counts attempts
      backoff: new RetryAfterBackoff(
        new ExponentialBackoff({
          generator: fullJitterGenerator,
          initialDelay: settings.retryBaseDelayMs,
          maxDelay: settings.retryMaxDelayMs,
          exponent: 2,
        }),
        settings.retryAfterCapMs,
      ),
    },
  );
  policy.onRetry((event) => {
    if (!('error' in event) || !(event.error instanceof EsrCallFailure)) return;
    metrics.retries.inc({ endpoint: event.error.endpoint, reason: event.error.kind });
    logger.warn(`ESR call failed, retry ${event.attempt} in ${Math.round(event.delay)} ms: ${event.error.message}`);
  });
  return policy;
}

/**
 * The circuit breaker: ESR_BREAKER_THRESHOLD consecutive failures in BREAKER_FAILURES open it for
 * ESR_BREAKER_HALF_OPEN_AFTER. Reports its state on the gauge and knows when it opened, to tell a
 * refused caller how long to wait.
 */
export class EsrBreaker {
  readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(
    private readonly settings: EsrSettings,
    private readonly metrics: EsrMetrics,
    logger: Logger,
  ) {
    this.policy = circuitBreaker(
      handleWhen((e) => e instanceof EsrCallFailure && BREAKER_FAILURES.has(e.kind)),
      { halfOpenAfter: settings.breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(settings.breakerThreshold) },
    );
    this.policy.onStateChange((state) => metrics.breakerState.set(BREAKER_GAUGE_VALUE[toBreakerState(state)]));
    this.policy.onBreak(() => {
      this.openedAt = Date.now();
      logger.warn(
        `ESR circuit breaker opened after repeated failures; failing fast for ${settings.breakerHalfOpenAfterMs} ms before a probe`,
      );
    });
    this.policy.onReset(() => logger.log('ESR circuit breaker closed: ESR answers again'));
  }

  state(): EsrBreakerState {
    return toBreakerState(this.policy.state);
  }

  /** The caller's error for a call the open breaker refused (counted as short-circuited). */
  shortCircuited(): EsrUnavailableError {
    this.metrics.shortCircuited.inc();
    return shortCircuitError(this.openedAt + this.settings.breakerHalfOpenAfterMs - Date.now());
  }
}

function toBreakerState(state: CircuitState): EsrBreakerState {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half-open';
  return 'open';
}
