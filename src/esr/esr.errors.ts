import { DomainError } from '../common/errors/domain-error';

/** Seconds a caller is told to wait when ESR gave no better hint. */
export const DEFAULT_ESR_RETRY_AFTER_SECONDS = 5;

/**
 * ESR cannot be used right now: it is down, overloaded, answering garbage, throttling us after every
 * retry, or the circuit breaker is open (then no call was made at all).
 */
export class EsrUnavailableError extends DomainError {
  constructor(message = 'ESR is unavailable at the moment; try again shortly.', retryAfterSeconds = DEFAULT_ESR_RETRY_AFTER_SECONDS) {
    super('ESR_UNAVAILABLE', message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });
    this.name = 'EsrUnavailableError';
  }

  get retryAfterSeconds(): number {
    return this.options.retryAfterSeconds ?? DEFAULT_ESR_RETRY_AFTER_SECONDS;
  }
}

/** ESR did not answer within the configured connect or request timeout (after the allowed retries). */
export class EsrTimeoutError extends DomainError {
  constructor(message = 'ESR did not answer in time; try again shortly.') {
    super('ESR_TIMEOUT', message);
    this.name = 'EsrTimeoutError';
  }
}

/**
 * ESR answered 4xx to something the gateway sent (a bad request, refused credentials, forbidden VPD).
 * To a caller this is ESR being unusable, so the code is ESR_UNAVAILABLE. ESR's own error body is never
 * carried (its message might echo personal data); only the HTTP status and, when it is a plain
 * machine code such as `invalid_request`, ESR's `error` field.
 */
export class EsrRejectedError extends DomainError {
  constructor(
    readonly esrStatus: number,
    readonly esrErrorCode?: string,
    message = `ESR rejected the gateway's request (HTTP ${esrStatus}).`,
  ) {
    super('ESR_UNAVAILABLE', message, { retryAfterSeconds: DEFAULT_ESR_RETRY_AFTER_SECONDS });
    this.name = 'EsrRejectedError';
  }
}

/** ESR has no such record (person, VPD). */
export class EsrNotFoundError extends DomainError {
  constructor(message = 'ESR has no such record.') {
    super('NOT_FOUND', message);
    this.name = 'EsrNotFoundError';
  }
}

/**
 * ESR no longer has (or never had) changes since the watermark asked for: more than 7 days old or
 * unknown. The sync catches this and does a full listing instead.
 */
export class EsrWatermarkExpiredError extends DomainError {
  constructor(readonly vpd: string) {
    super('ESR_UNAVAILABLE', `ESR has no changes since the given watermark for VPD ${vpd}; a full listing is needed.`, {
      retryAfterSeconds: DEFAULT_ESR_RETRY_AFTER_SECONDS,
    });
    this.name = 'EsrWatermarkExpiredError';
  }
}
