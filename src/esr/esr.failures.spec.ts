import { Logger } from '@nestjs/common';
import { AxiosError, AxiosResponse } from 'axios';
import { IBackoff, IBackoffFactory, IRetryBackoffContext, TaskCancelledError } from 'cockatiel';
import { ValidationFailedError } from '../common/errors/domain-error';
import { EsrNotFoundError, EsrRejectedError, EsrTimeoutError, EsrUnavailableError, EsrWatermarkExpiredError } from './esr.errors';
import {
  BREAKER_FAILURES,
  EsrCallFailure,
  RETRIED,
  RetryAfterBackoff,
  callerError,
  domainErrorFor,
  exchangeFailure,
  exchangeStatusLabel,
  isConnectTimeout,
  parsedOrFailure,
  retryAfterMs,
  shortCircuitError,
  statusFailure,
} from './esr.failures';
import { ConnectTimeoutError } from './esr.http';
import { ESR_ENDPOINTS } from './esr.metrics';
import { EsrQueueFullError } from './esr.scheduler';
import { ContractViolation } from './esr.json-fields';

const PERSON = ESR_ENDPOINTS.person;
const NOW = Date.parse('2026-11-02T10:00:00Z');
const now = () => NOW;

function answer(status: number, headers: Record<string, unknown> = {}, data = ''): AxiosResponse<string> {
  return { status, headers, data } as unknown as AxiosResponse<string>;
}

describe('esr.failures', () => {
  describe('EsrCallFailure', () => {
    it('should name the endpoint, kind, status and reason, and nothing else', () => {
      const failure = new EsrCallFailure('invalid_response', PERSON, { status: 200, reason: 'body.items: expected an array' });
      expect(failure.message).toBe(`${PERSON}: invalid response (HTTP 200) - body.items: expected an array`);
      expect(new EsrCallFailure('network', PERSON).message).toBe(`${PERSON}: network`);
    });

    it('should retry, and count against the breaker, only what says ESR may be unwell', () => {
      expect([...RETRIED].sort()).toEqual(['invalid_response', 'network', 'server_error', 'throttled', 'timeout']);
      expect([...BREAKER_FAILURES].sort()).toEqual(['invalid_response', 'network', 'server_error', 'timeout']);
    });
  });

  describe(statusFailure.name, () => {
    it.each([
      [404, 'not_found'],
      [410, 'gone'],
      [429, 'throttled'],
      [503, 'server_error'],
      [500, 'server_error'],
      [400, 'rejected'],
      [403, 'rejected'],
      [302, 'invalid_response'],
    ])('should classify HTTP %i as %s', (status, kind) => {
      expect(statusFailure(PERSON, answer(status), now)).toMatchObject({ kind, endpoint: PERSON, detail: { status } });
    });

    it('should keep a plain ESR error code and the Retry-After of 429 and 503 only', () => {
      expect(statusFailure(PERSON, answer(400, {}, '{"error":"invalid_request"}'), now).detail.esrErrorCode).toBe('invalid_request');
      expect(statusFailure(PERSON, answer(429, { 'retry-after': '3' }), now).detail.retryAfterMs).toBe(3000);
      expect(statusFailure(PERSON, answer(503, { 'retry-after': '4' }), now).detail.retryAfterMs).toBe(4000);
      expect(statusFailure(PERSON, answer(502, { 'retry-after': '4' }), now).detail.retryAfterMs).toBeUndefined();
    });
  });

  describe(retryAfterMs.name, () => {
    it('should read delta-seconds and HTTP dates, and ignore what it cannot read', () => {
      expect(retryAfterMs(answer(429, { 'retry-after': ' 2 ' }), now)).toBe(2000);
      expect(retryAfterMs(answer(429, { 'retry-after': 7 }), now)).toBe(7000);
      expect(retryAfterMs(answer(429, { 'retry-after': new Date(NOW + 5000).toUTCString() }), now)).toBe(5000);
      expect(retryAfterMs(answer(429, { 'retry-after': new Date(NOW - 5000).toUTCString() }), now)).toBe(0);
      expect(retryAfterMs(answer(429, { 'retry-after': 'soon' }), now)).toBeUndefined();
      expect(retryAfterMs(answer(429), now)).toBeUndefined();
    });
  });

  describe(parsedOrFailure.name, () => {
    it('should turn a broken contract into an invalid response and let other errors through', () => {
      expect(parsedOrFailure(PERSON, answer(200), () => 'ok')).toBe('ok');
      expect(() =>
        parsedOrFailure(PERSON, answer(200), () => {
          throw new ContractViolation('body: expected an object');
        }),
      ).toThrow(expect.objectContaining({ kind: 'invalid_response', detail: { status: 200, reason: 'body: expected an object' } }));
      const other = new Error('bug');
      expect(() =>
        parsedOrFailure(PERSON, answer(200), () => {
          throw other;
        }),
      ).toThrow(other);
    });
  });

  describe(exchangeFailure.name, () => {
    it.each([
      ['a passed deadline', new AxiosError('aborted', 'ERR_CANCELED'), true, 'cancelled', 'cancelled'],
      ['the request timeout', new TaskCancelledError(), false, 'timeout', 'timeout'],
      ['the connect timeout', new ConnectTimeoutError(10), false, 'timeout', 'timeout'],
      ['a connect timeout inside axios', new AxiosError('timeout', 'ETIMEDOUT'), false, 'timeout', 'timeout'],
      ['an unreadable body', new AxiosError('bad', 'ERR_BAD_RESPONSE'), false, 'invalid_response', 'network_error'],
      ['a body too large', new AxiosError('big', 'ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED'), false, 'invalid_response', 'network_error'],
      ['a network error', new AxiosError('reset', 'ECONNRESET'), false, 'network', 'network_error'],
    ])('should classify %s', (_what, error, cancelled, kind, label) => {
      const failure = exchangeFailure(error, PERSON, cancelled);
      expect(failure).toMatchObject({ kind, endpoint: PERSON });
      expect(exchangeStatusLabel(failure)).toBe(label);
    });

    it('should name the network error code and return anything unexpected as it is', () => {
      expect(exchangeFailure(new AxiosError('reset', 'ECONNRESET'), PERSON, false)).toMatchObject({
        detail: { reason: 'network error ECONNRESET' },
      });
      const bug = new TypeError('bug');
      expect(exchangeFailure(bug, PERSON, false)).toBe(bug);
      expect(exchangeStatusLabel(bug)).toBe('network_error');
    });
  });

  describe(isConnectTimeout.name, () => {
    it('should recognise the connect timeout however axios carries it', () => {
      expect(isConnectTimeout(new ConnectTimeoutError(10))).toBe(true);
      expect(isConnectTimeout(new AxiosError('x', 'ESR_CONNECT_TIMEOUT'))).toBe(true);
      const wrapped = new AxiosError('x', 'ECONNABORTED');
      wrapped.cause = new ConnectTimeoutError(10);
      expect(isConnectTimeout(wrapped)).toBe(true);
      expect(isConnectTimeout(new AxiosError('x', 'ECONNRESET'))).toBe(false);
      expect(isConnectTimeout(new Error('x'))).toBe(false);
    });
  });

  describe(RetryAfterBackoff.name, () => {
    const exponential: IBackoffFactory<unknown> = {
      next: () => {
        const step = (duration: number): IBackoff<unknown> => ({ duration, next: () => step(duration * 2) });
        return step(10);
      },
    };
    const after = (error: unknown) => ({ attempt: 1, result: { error } }) as IRetryBackoffContext<unknown>;

    it('should back off exponentially unless ESR sent a Retry-After, which wins up to the cap', () => {
      const backoff = new RetryAfterBackoff(exponential, 5000);
      const first = backoff.next(after(new EsrCallFailure('network', PERSON)));
      expect(first.duration).toBe(10);
      const second = first.next(after(new EsrCallFailure('throttled', PERSON, { retryAfterMs: 2000 })));
      expect(second.duration).toBe(2000);
      const third = second.next(after(new EsrCallFailure('throttled', PERSON, { retryAfterMs: 60_000 })));
      expect(third.duration).toBe(5000);
      expect(third.next(after(new Error('other'))).duration).toBe(80);
    });
  });

  describe(domainErrorFor.name, () => {
    const context = { vpd: '979', notFound: 'ESR has no such person.' };

    it.each([
      ['timeout', EsrTimeoutError, 'ESR_TIMEOUT'],
      ['cancelled', EsrTimeoutError, 'ESR_TIMEOUT'],
      ['throttled', EsrUnavailableError, 'ESR_UNAVAILABLE'],
      ['network', EsrUnavailableError, 'ESR_UNAVAILABLE'],
      ['server_error', EsrUnavailableError, 'ESR_UNAVAILABLE'],
      ['invalid_response', EsrUnavailableError, 'ESR_UNAVAILABLE'],
      ['unauthorized', EsrRejectedError, 'ESR_UNAVAILABLE'],
      ['rejected', EsrRejectedError, 'ESR_UNAVAILABLE'],
      ['not_found', EsrNotFoundError, 'NOT_FOUND'],
      ['gone', EsrWatermarkExpiredError, 'ESR_UNAVAILABLE'],
    ] as const)('should map %s to %p', (kind, type, code) => {
      const error = domainErrorFor(new EsrCallFailure(kind, PERSON, { status: 400 }), context);
      expect(error).toBeInstanceOf(type);
      expect(error.code).toBe(code);
    });

    it("should pass ESR's Retry-After on, name refused credentials and carry the caller's messages", () => {
      const throttled = domainErrorFor(new EsrCallFailure('throttled', PERSON, { status: 429, retryAfterMs: 7000 }), context);
      expect((throttled as EsrUnavailableError).retryAfterSeconds).toBe(7);
      const credentials = domainErrorFor(new EsrCallFailure('rejected', ESR_ENDPOINTS.token, { status: 400 }), context);
      expect(credentials.message).toBe("ESR rejected the gateway's client credentials (HTTP 400).");
      expect(domainErrorFor(new EsrCallFailure('not_found', PERSON), context).message).toBe('ESR has no such person.');
      expect(domainErrorFor(new EsrCallFailure('gone', PERSON), context)).toMatchObject({ vpd: '979' });
    });
  });

  describe(shortCircuitError.name, () => {
    it('should tell the caller to wait until the probe, at least one second', () => {
      expect(shortCircuitError(4100).retryAfterSeconds).toBe(5);
      expect(shortCircuitError(-50).retryAfterSeconds).toBe(1);
    });
  });

  describe(callerError.name, () => {
    const logger = new Logger('test');
    let warnings: string[];

    beforeEach(() => {
      warnings = [];
      jest.spyOn(logger, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    });
    afterEach(() => jest.restoreAllMocks());

    it('should pass DomainErrors and unexpected errors through', () => {
      const domain = new ValidationFailedError('bad', []);
      const bug = new TypeError('bug');
      expect(callerError(domain, {}, logger)).toBe(domain);
      expect(callerError(bug, {}, logger)).toBe(bug);
      expect(warnings).toEqual([]);
    });

    it('should refuse a full lane with a one-second Retry-After', () => {
      const error = callerError(new EsrQueueFullError('sync'), {}, logger);
      expect(error).toBeInstanceOf(EsrUnavailableError);
      expect((error as EsrUnavailableError).retryAfterSeconds).toBe(1);
      expect(warnings).toEqual(['ESR call refused: too many ESR calls are already waiting in the sync lane']);
    });

    it('should log failures but not the answers 404 and 410', () => {
      callerError(new EsrCallFailure('not_found', PERSON, { status: 404 }), {}, logger);
      callerError(new EsrCallFailure('gone', PERSON, { status: 410 }), { vpd: '979' }, logger);
      expect(warnings).toEqual([]);
      expect(callerError(new EsrCallFailure('server_error', PERSON, { status: 500 }), {}, logger)).toBeInstanceOf(EsrUnavailableError);
      expect(warnings).toEqual([`ESR call failed: ${PERSON}: server error (HTTP 500)`]);
    });
  });
});
