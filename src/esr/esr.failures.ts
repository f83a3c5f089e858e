import type { Logger } from '@nestjs/common';
import { AxiosResponse, isAxiosError } from 'axios';
import { IBackoff, IBackoffFactory, IRetryBackoffContext, isTaskCancelledError } from 'cockatiel';
import { DomainError } from '../common/errors/domain-error';
import { EsrNotFoundError, EsrRejectedError, EsrTimeoutError, EsrUnavailableError, EsrWatermarkExpiredError } from './esr.errors';
import { ConnectTimeoutError, ESR_CONNECT_TIMEOUT_CODE } from './esr.http';
import { ESR_ENDPOINTS, EsrEndpointName } from './esr.metrics';
import { EsrQueueFullError } from './esr.scheduler';
import { ContractViolation } from './esr.json-fields';
import { errorCodeOf } from './esr.validation';

/*
 * How the ESR client classifies what went wrong in one exchange (EsrCallFailure), which failures are
 * retried or count against the breaker, how long to back off, and which DomainError a caller gets.
 */

export type FailureKind =
  | 'network'
  | 'timeout'
  | 'server_error'
  | 'throttled'
  | 'invalid_response'
  | 'unauthorized'
  | 'rejected'
  | 'not_found'
  | 'gone'
  /** The caller's deadline passed while the request was in flight: says nothing about ESR's health. */
  | 'cancelled';

/** Failures worth another attempt: ESR may answer next time. */
export const RETRIED: ReadonlySet<FailureKind> = new Set(['network', 'timeout', 'server_error', 'throttled', 'invalid_response']);
/**
 * Failures that count towards opening the breaker: ESR itself is unwell. Throttling (429) is not: ESR
 * is answering, and our own rate limiter plus Retry-After deal with it. 4xx answers are ESR working.
 */
export const BREAKER_FAILURES: ReadonlySet<FailureKind> = new Set(['network', 'timeout', 'server_error', 'invalid_response']);

/**
 * One failed exchange with ESR, internal to the client; turned into a DomainError at the edge. Its
 * message names the endpoint template, kind, HTTP status and contract reason, never URLs, query
 * strings, tokens or bodies (they may hold search criteria or personal data).
 */
export class EsrCallFailure extends Error {
  /** Set when another attempt cannot fit in the caller's deadline (ESR asked for a longer wait). */
  final = false;

  constructor(
    readonly kind: FailureKind,
    readonly endpoint: EsrEndpointName,
    readonly detail: { status?: number; retryAfterMs?: number; esrErrorCode?: string; reason?: string } = {},
  ) {
    super(
      `${endpoint}: ${kind.replace('_', ' ')}${detail.status ? ` (HTTP ${detail.status})` : ''}${detail.reason ? ` - ${detail.reason}` : ''}`,
    );
    this.name = 'EsrCallFailure';
  }
}

/** What a failed call is about, for the DomainError it becomes. */
export interface CallContext {
  vpd?: string;
  /** Message of the EsrNotFoundError for a 404. */
  notFound?: string;
}

type RetryContext = IRetryBackoffContext<unknown>;

/** Exponential backoff with full jitter, except that a Retry-After from ESR (capped) wins. */
export class RetryAfterBackoff implements IBackoffFactory<RetryContext> {
  constructor(
    private readonly exponential: IBackoffFactory<unknown>,
    private readonly capMs: number,
  ) {}

  next(context: RetryContext): IBackoff<RetryContext> {
    return this.step(this.exponential.next(undefined), context);
  }

  private step(exponential: IBackoff<unknown>, context: RetryContext): IBackoff<RetryContext> {
    const failure = 'error' in context.result ? context.result.error : undefined;
    const retryAfterMs = failure instanceof EsrCallFailure ? failure.detail.retryAfterMs : undefined;
    return {
      duration: retryAfterMs === undefined ? exponential.duration : Math.min(retryAfterMs, this.capMs),
      next: (ctx: RetryContext) => this.step(exponential.next(undefined), ctx),
    };
  }
}

/** The failure for an answer that is not 2xx (a 401 is the caller's to handle first). `nowMs` reads an HTTP-date Retry-After. */
export function statusFailure(endpoint: EsrEndpointName, res: AxiosResponse<string>, nowMs: () => number): EsrCallFailure {
  const status = res.status;
  const esrErrorCode = errorCodeOf(res.data);
  if (status === 404) return new EsrCallFailure('not_found', endpoint, { status, esrErrorCode });
  if (status === 410) return new EsrCallFailure('gone', endpoint, { status, esrErrorCode });
  if (status === 429) return new EsrCallFailure('throttled', endpoint, { status, retryAfterMs: retryAfterMs(res, nowMs) });
  if (status === 503) return new EsrCallFailure('server_error', endpoint, { status, retryAfterMs: retryAfterMs(res, nowMs) });
  if (status >= 500) return new EsrCallFailure('server_error', endpoint, { status });
  if (status >= 400) return new EsrCallFailure('rejected', endpoint, { status, esrErrorCode });
  return new EsrCallFailure('invalid_response', endpoint, { status, reason: 'status: expected 2xx' });
}

/** Retry-After in ms (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(res: AxiosResponse<string>, nowMs: () => number): number | undefined {
  const header = res.headers['retry-after'] as unknown;
  if (typeof header !== 'string' && typeof header !== 'number') return undefined;
  const value = String(header).trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs());
}

/** `parse(res)`, with a broken contract turned into an `invalid_response` failure. */
export function parsedOrFailure<T>(endpoint: EsrEndpointName, res: AxiosResponse<string>, parse: (res: AxiosResponse<string>) => T): T {
  try {
    return parse(res);
  } catch (error) {
    if (error instanceof ContractViolation)
      throw new EsrCallFailure('invalid_response', endpoint, { status: res.status, reason: error.reason });
    throw error;
  }
}

/**
 * The failure for an HTTP exchange that threw instead of answering (the deadline `cancelled` it,
 * timeouts, network errors, unreadable bodies); anything else is returned as it is.
 */
export function exchangeFailure(error: unknown, endpoint: EsrEndpointName, cancelled: boolean): unknown {
  if (cancelled) return new EsrCallFailure('cancelled', endpoint);
  if (isTaskCancelledError(error) || isConnectTimeout(error)) return new EsrCallFailure('timeout', endpoint);
  if (isAxiosError(error)) {
    if (error.code === 'ERR_BAD_RESPONSE' || error.code === 'ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED') {
      return new EsrCallFailure('invalid_response', endpoint, { reason: 'body: unreadable or too large' });
    }
    return new EsrCallFailure('network', endpoint, { reason: error.code ? `network error ${error.code}` : 'network error' });
  }
  return error;
}

/** The `status` label of an exchange that threw: `cancelled`, `timeout` or `network_error`. */
export function exchangeStatusLabel(failure: unknown): string {
  if (failure instanceof EsrCallFailure && (failure.kind === 'cancelled' || failure.kind === 'timeout')) return failure.kind;
  return 'network_error';
}

export function isConnectTimeout(error: unknown): boolean {
  if (error instanceof ConnectTimeoutError) return true;
  if (!isAxiosError(error)) return false;
  return error.code === ESR_CONNECT_TIMEOUT_CODE || error.code === 'ETIMEDOUT' || error.cause instanceof ConnectTimeoutError;
}

/** The caller's error for a call the open breaker refused, `remainingMs` before the breaker lets a probe through. */
export function shortCircuitError(remainingMs: number): EsrUnavailableError {
  return new EsrUnavailableError(
    'ESR is unavailable: after repeated failures the gateway is not calling it for a short while; try again shortly.',
    Math.max(1, Math.ceil(remainingMs / 1000)),
  );
}

/** The caller's error for a failed exchange (the last attempt's). */
export function domainErrorFor(failure: EsrCallFailure, context: CallContext): DomainError {
  const { kind, endpoint, detail } = failure;
  const retryAfterSeconds = detail.retryAfterMs === undefined ? undefined : detail.retryAfterMs / 1000;
  switch (kind) {
    case 'timeout':
    case 'cancelled':
      return new EsrTimeoutError();
    case 'throttled':
      return new EsrUnavailableError('ESR is busy and asked the gateway to slow down; try again shortly.', retryAfterSeconds);
    case 'network':
    case 'server_error':
    case 'invalid_response':
      return new EsrUnavailableError(undefined, retryAfterSeconds);
    case 'unauthorized':
      return new EsrRejectedError(401, detail.esrErrorCode, "ESR rejected the gateway's access token (HTTP 401).");
    case 'rejected':
      return endpoint === ESR_ENDPOINTS.token
        ? new EsrRejectedError(
            detail.status ?? 400,
            detail.esrErrorCode,
            `ESR rejected the gateway's client credentials (HTTP ${detail.status}).`,
          )
        : new EsrRejectedError(detail.status ?? 400, detail.esrErrorCode);
    case 'not_found':
      return new EsrNotFoundError(context.notFound);
    case 'gone':
      return new EsrWatermarkExpiredError(context.vpd ?? 'unknown');
  }
}

/**
 * What the caller gets for a call that failed (other than by the open breaker or its deadline): a
 * DomainError, logged unless it is an answer (404, 410), or an unexpected error as it is.
 */
export function callerError(error: unknown, context: CallContext, logger: Logger): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof EsrQueueFullError) {
    logger.warn(`ESR call refused: too many ESR calls are already waiting in the ${error.lane} lane`);
    return new EsrUnavailableError('Too many ESR calls are waiting; try again shortly.', 1);
  }
  if (!(error instanceof EsrCallFailure)) return error;
  if (error.kind !== 'not_found' && error.kind !== 'gone') logger.warn(`ESR call failed: ${error.message}`);
  return domainErrorFor(error, context);
}
