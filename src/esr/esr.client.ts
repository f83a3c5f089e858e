import { HttpService } from '@nestjs/axios';
import { Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { Agent } from 'node:http';
import { AxiosRequestConfig, AxiosResponse, isAxiosError } from 'axios';
import {
  BrokenCircuitError,
  BulkheadPolicy,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  IBackoff,
  IBackoffFactory,
  IRetryBackoffContext,
  RetryPolicy,
  TimeoutPolicy,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isTaskCancelledError,
  retry,
  timeout,
} from 'cockatiel';
import { Clock } from '../common/clock/clock';
import { DomainError, ErrorDetail, ValidationFailedError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { EsrEndpoint } from './esr.endpoint';
import { EsrNotFoundError, EsrRejectedError, EsrTimeoutError, EsrUnavailableError, EsrWatermarkExpiredError } from './esr.errors';
import { ConnectTimeoutError, ESR_CONNECT_TIMEOUT_CODE } from './esr.http';
import { BREAKER_GAUGE_VALUE, ESR_ENDPOINTS, EsrEndpointName, EsrMetrics } from './esr.metrics';
import { PacedRateLimiter } from './esr.rate-limiter';
import type {
  EsrBreakerState,
  EsrPage,
  EsrPerson,
  EsrPersonSummary,
  EsrRoleAssignment,
  EsrRoleChange,
  EsrVpd,
  PeopleCriteria,
} from './esr.types';
import {
  ContractViolation,
  errorCodeOf,
  isIsoDate,
  isIsoDateTime,
  itemsOf,
  pagedEnvelope,
  parseEach,
  parseJson,
  parsePerson,
  parsePersonSummary,
  parseRoleAssignment,
  parseRoleChange,
  parseVpd,
  tokenResponse,
} from './esr.validation';
import { ASSIGNMENT_NUMBER, EMPLOYEE_NUMBER, NI_NUMBER, VPD } from '../domain/identifiers';

/** Calls that may wait for a free slot of the concurrency limit; more fail fast with ESR_UNAVAILABLE. */
export const ESR_BULKHEAD_QUEUE = 1000;
/** A token is renewed this long before it expires, at most (or 10% of its lifetime, if shorter). */
export const TOKEN_REFRESH_MARGIN_MS = 30_000;

type FailureKind =
  'network' | 'timeout' | 'server_error' | 'throttled' | 'invalid_response' | 'unauthorized' | 'rejected' | 'not_found' | 'gone';

/** Failures worth another attempt: ESR may answer next time. */
const RETRIED: ReadonlySet<FailureKind> = new Set(['network', 'timeout', 'server_error', 'throttled', 'invalid_response']);
/**
 * Failures that count towards opening the breaker: ESR itself is unwell. Throttling (429) is not: ESR
 * is answering, and our own rate limiter plus Retry-After deal with it. 4xx answers are ESR working.
 */
const BREAKER_FAILURES: ReadonlySet<FailureKind> = new Set(['network', 'timeout', 'server_error', 'invalid_response']);

/**
 * One failed exchange with ESR, internal to the client; turned into a DomainError at the edge. Its
 * message names the endpoint template, kind, HTTP status and contract reason, never URLs, query
 * strings, tokens or bodies (they may hold search criteria or personal data).
 */
class EsrCallFailure extends Error {
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

type RetryContext = IRetryBackoffContext<unknown>;

/** Exponential backoff with full jitter, except that a Retry-After from ESR (capped) wins. */
class RetryAfterBackoff implements IBackoffFactory<RetryContext> {
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

interface CallContext {
  vpd?: string;
  /** Message of the EsrNotFoundError for a 404. */
  notFound?: string;
}

/**
 * The gateway's one connection to ESR. Nothing outside src/esr knows ESR's URLs, tokens or wire
 * formats: other modules call these methods and get the gateway's types or a DomainError.
 *
 * Every call goes: retry (exponential backoff, full jitter, Retry-After) → circuit breaker →
 * concurrency limit (bulkhead with a queue) → [token] → rate limiter → whole-request timeout → HTTP.
 */
@Injectable()
export class EsrClient implements OnApplicationShutdown {
  private readonly logger = new Logger(EsrClient.name);
  private readonly clock: Clock;
  private readonly metrics: EsrMetrics;
  private readonly retryPolicy: RetryPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly timeoutPolicy: TimeoutPolicy;
  private readonly rateLimiter: PacedRateLimiter;
  private breakerOpenedAt = 0;
  private token?: { value: string; refreshAtMs: number };
  private tokenInFlight?: Promise<string>;

  constructor(
    private readonly http: HttpService,
    private readonly endpoint: EsrEndpoint,
    private readonly config: AppConfig,
    metrics: MetricsService,
    @Optional() clock?: Clock,
  ) {
    this.clock = clock ?? new Clock();
    this.metrics = new EsrMetrics(metrics);
    this.rateLimiter = new PacedRateLimiter(config.esrRateLimitPerSecond, 1000);
    this.timeoutPolicy = timeout(config.esrRequestTimeoutMs, TimeoutStrategy.Aggressive);
    this.bulkhead = bulkhead(config.esrMaxConcurrency, ESR_BULKHEAD_QUEUE);

    this.breaker = circuitBreaker(
      handleWhen((e) => e instanceof EsrCallFailure && BREAKER_FAILURES.has(e.kind)),
      { halfOpenAfter: config.esrBreakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(config.esrBreakerThreshold) },
    );
    this.breaker.onStateChange((state) => this.metrics.breakerState.set(BREAKER_GAUGE_VALUE[toBreakerState(state)]));
    this.breaker.onBreak(() => {
      this.breakerOpenedAt = Date.now();
      this.logger.warn(
        `ESR circuit breaker opened after repeated failures; failing fast for ${config.esrBreakerHalfOpenAfterMs} ms before a probe`,
      );
    });
    this.breaker.onReset(() => this.logger.log('ESR circuit breaker closed: ESR answers again'));

    this.retryPolicy = retry(
      handleWhen((e) => e instanceof EsrCallFailure && RETRIED.has(e.kind)),
      {
        maxAttempts: config.esrMaxAttempts - 1, // cockatiel counts retries; the setting counts attempts
        backoff: new RetryAfterBackoff(
          new ExponentialBackoff({
            generator: fullJitterGenerator,
            initialDelay: config.esrRetryBaseDelayMs,
            maxDelay: config.esrRetryMaxDelayMs,
            exponent: 2,
          }),
          config.esrRetryAfterCapMs,
        ),
      },
    );
    this.retryPolicy.onRetry((event) => {
      if (!('error' in event) || !(event.error instanceof EsrCallFailure)) return;
      this.metrics.retries.inc({ endpoint: event.error.endpoint, reason: event.error.kind });
      this.logger.warn(`ESR call failed, retry ${event.attempt} in ${Math.round(event.delay)} ms: ${event.error.message}`);
    });
  }

  /** The ESR base URL in use (the configured one or the built-in sandbox's). */
  get baseUrl(): string {
    return this.endpoint.baseUrl;
  }

  breakerState(): EsrBreakerState {
    return toBreakerState(this.breaker.state);
  }

  /** The VPDs this client may read. */
  async listVpds(): Promise<EsrVpd[]> {
    const endpoint = ESR_ENDPOINTS.vpds;
    const { items, skipped } = await this.call(endpoint, { method: 'GET', url: this.url('/esr/v1/vpds') }, (res) => {
      const reasons: string[] = [];
      return { items: parseEach(itemsOf(parseJson(res.data)), parseVpd, reasons), skipped: reasons };
    });
    this.reportSkipped(endpoint, undefined, skipped);
    return items;
  }

  /**
   * The full listing of the configured role's assignments in one VPD (or one person's), page by
   * page: a page is fetched only when the iteration asks for it.
   */
  listRoleAssignments(vpd: string, opts: { employeeNumber?: string; pageSize?: number } = {}): AsyncIterable<EsrPage<EsrRoleAssignment>> {
    assertVpd(vpd);
    if (opts.employeeNumber !== undefined) assertEmployeeNumber(opts.employeeNumber);
    return this.pages(
      ESR_ENDPOINTS.roleAssignments,
      `/esr/v1/vpds/${vpd}/supplementary-role-assignments`,
      { roleName: this.config.esrRoleName, employeeNumber: opts.employeeNumber, limit: this.pageSize(opts.pageSize) },
      (item) => parseRoleAssignment(item, vpd),
      { vpd, notFound: `ESR does not know VPD ${vpd}.` },
    );
  }

  /**
   * Changes to the role's assignments in one VPD since a watermark, page by page. A watermark ESR no
   * longer knows (older than 7 days) fails with EsrWatermarkExpiredError: do a full listing instead.
   */
  listRoleChanges(vpd: string, since: string, opts: { pageSize?: number } = {}): AsyncIterable<EsrPage<EsrRoleChange>> {
    assertVpd(vpd);
    if (typeof since !== 'string' || since.length === 0)
      throw new ValidationFailedError('A watermark is required.', [{ field: 'since', message: 'must be a watermark from ESR' }]);
    return this.pages(
      ESR_ENDPOINTS.roleChanges,
      `/esr/v1/vpds/${vpd}/supplementary-role-assignments/changes`,
      { roleName: this.config.esrRoleName, since, limit: this.pageSize(opts.pageSize) },
      (item) => parseRoleChange(item, vpd),
      { vpd, notFound: `ESR does not know VPD ${vpd}.` },
    );
  }

  /** Searches people in one VPD by exactly one kind of criteria (at most 20 matches). */
  async searchPeople(vpd: string, criteria: PeopleCriteria): Promise<EsrPersonSummary[]> {
    assertVpd(vpd);
    const params = peopleSearchParams(criteria);
    const endpoint = ESR_ENDPOINTS.people;
    const { items, skipped } = await this.call(
      endpoint,
      { method: 'GET', url: this.url(`/esr/v1/vpds/${vpd}/people`), params },
      (res) => {
        const reasons: string[] = [];
        return { items: parseEach(itemsOf(parseJson(res.data)), (item) => parsePersonSummary(item, vpd), reasons), skipped: reasons };
      },
      { vpd, notFound: `ESR does not know VPD ${vpd}.` },
    );
    this.reportSkipped(endpoint, vpd, skipped);
    return items;
  }

  /** One person's record. EsrNotFoundError when ESR has no such person in the VPD. */
  async getPerson(vpd: string, employeeNumber: string): Promise<EsrPerson> {
    assertVpd(vpd);
    assertEmployeeNumber(employeeNumber);
    const endpoint = ESR_ENDPOINTS.person;
    const { person, skipped } = await this.call(
      endpoint,
      { method: 'GET', url: this.url(`/esr/v1/vpds/${vpd}/people/${employeeNumber}`) },
      (res) => {
        const parsed = parsePerson(parseJson(res.data), vpd);
        if (parsed.person.employeeNumber !== employeeNumber) throw new ContractViolation('employeeNumber: expected the person asked for');
        return parsed;
      },
      { vpd, notFound: `ESR has no person with employee number ${employeeNumber} in VPD ${vpd}.` },
    );
    this.reportSkipped(endpoint, vpd, skipped);
    return person;
  }

  onApplicationShutdown(): void {
    const defaults = this.http.axiosRef.defaults;
    for (const agent of [defaults.httpAgent as Agent | undefined, defaults.httpsAgent as Agent | undefined]) agent?.destroy();
  }

  // -------------------------------------------------------------------------------------------
  // Paging

  private async *pages<T>(
    endpoint: EsrEndpointName,
    path: string,
    params: Record<string, string | number | undefined>,
    parseItem: (item: unknown) => T,
    context: CallContext,
  ): AsyncGenerator<EsrPage<T>, void, undefined> {
    let cursor: string | undefined;
    for (;;) {
      const { page, nextCursor, skipped } = await this.call(
        endpoint,
        { method: 'GET', url: this.url(path), params: { ...params, cursor } },
        (res) => {
          const envelope = pagedEnvelope(parseJson(res.data));
          const reasons: string[] = [];
          const items = parseEach(envelope.items, parseItem, reasons);
          const extractDate = res.headers['x-esr-extract-date'] as unknown;
          return {
            page: {
              items,
              watermark: envelope.watermark,
              extractDate: isIsoDateTime(extractDate) ? extractDate : null,
              skipped: reasons.length,
            },
            nextCursor: envelope.nextCursor,
            skipped: reasons,
          };
        },
        context,
      );
      this.reportSkipped(endpoint, context.vpd, skipped);
      yield page;
      if (nextCursor === null) return;
      if (nextCursor === cursor) {
        this.logger.warn(`ESR ${endpoint} for VPD ${context.vpd}: the next cursor repeats the current one; stopping`);
        throw new EsrUnavailableError('ESR returned an inconsistent listing; try again shortly.');
      }
      cursor = nextCursor;
    }
  }

  private pageSize(requested: number | undefined): number {
    const size = requested ?? this.config.esrPageSize;
    if (!Number.isInteger(size) || size < 1 || size > 1000)
      throw new ValidationFailedError('The ESR page size must be 1 to 1000.', [
        { field: 'pageSize', message: 'must be an integer from 1 to 1000' },
      ]);
    return size;
  }

  private reportSkipped(endpoint: EsrEndpointName, vpd: string | undefined, reasons: string[]): void {
    if (reasons.length === 0) return;
    this.metrics.skippedItems.inc({ endpoint }, reasons.length);
    const distinct = [...new Set(reasons)];
    this.logger.warn(
      `ESR ${endpoint}${vpd ? ` for VPD ${vpd}` : ''}: skipped ${reasons.length} item(s) that break the contract: ` +
        `${distinct.slice(0, 5).join('; ')}${distinct.length > 5 ? `; and ${distinct.length - 5} more reason(s)` : ''}`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Resilience pipeline

  private async call<T>(
    endpoint: EsrEndpointName,
    request: AxiosRequestConfig,
    parse: (res: AxiosResponse<string>) => T,
    context: CallContext = {},
  ): Promise<T> {
    try {
      return await this.retryPolicy.execute(() => {
        // While the one half-open probe is in flight, everyone else fails fast too.
        if (this.breaker.state === CircuitState.HalfOpen) throw new BrokenCircuitError();
        return this.breaker.execute(() => this.bulkhead.execute(() => this.attempt(endpoint, request, parse)));
      });
    } catch (error) {
      throw this.domainErrorFor(error, context);
    }
  }

  /** One attempt: token, request, one fresh token and one more request on 401, status and body checks. */
  private async attempt<T>(endpoint: EsrEndpointName, request: AxiosRequestConfig, parse: (res: AxiosResponse<string>) => T): Promise<T> {
    let token = await this.accessToken();
    let res = await this.exchange(endpoint, withBearer(request, token));
    if (res.status === 401) {
      this.invalidateToken(token);
      token = await this.accessToken();
      res = await this.exchange(endpoint, withBearer(request, token));
      if (res.status === 401) throw new EsrCallFailure('unauthorized', endpoint, { status: 401, esrErrorCode: errorCodeOf(res.data) });
    }
    if (res.status < 200 || res.status > 299) throw this.statusFailure(endpoint, res);
    try {
      return parse(res);
    } catch (error) {
      if (error instanceof ContractViolation)
        throw new EsrCallFailure('invalid_response', endpoint, { status: res.status, reason: error.reason });
      throw error;
    }
  }

  /** One HTTP exchange: rate limit, whole-request timeout, metrics. Every HTTP status resolves. */
  private async exchange(endpoint: EsrEndpointName, request: AxiosRequestConfig): Promise<AxiosResponse<string>> {
    await this.rateLimiter.acquire();
    const stopTimer = this.metrics.duration.startTimer({ endpoint });
    let status = 'network_error';
    try {
      const res = await this.timeoutPolicy.execute(({ signal }) =>
        this.http.axiosRef.request<string>({
          ...request,
          signal,
          responseType: 'text',
          transformResponse: [(data: unknown) => data],
          validateStatus: () => true,
          maxRedirects: 0,
        }),
      );
      status = String(res.status);
      if (typeof res.data !== 'string') res.data = res.data === undefined || res.data === null ? '' : String(res.data);
      return res;
    } catch (error) {
      if (isTaskCancelledError(error) || isConnectTimeout(error)) {
        status = 'timeout';
        throw new EsrCallFailure('timeout', endpoint);
      }
      if (isAxiosError(error)) {
        if (error.code === 'ERR_BAD_RESPONSE' || error.code === 'ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED') {
          throw new EsrCallFailure('invalid_response', endpoint, { reason: 'body: unreadable or too large' });
        }
        throw new EsrCallFailure('network', endpoint, { reason: error.code ? `network error ${error.code}` : 'network error' });
      }
      throw error;
    } finally {
      stopTimer({ status });
      this.metrics.requests.inc({ endpoint, status });
    }
  }

  private statusFailure(endpoint: EsrEndpointName, res: AxiosResponse<string>): EsrCallFailure {
    const status = res.status;
    const esrErrorCode = errorCodeOf(res.data);
    if (status === 404) return new EsrCallFailure('not_found', endpoint, { status, esrErrorCode });
    if (status === 410) return new EsrCallFailure('gone', endpoint, { status, esrErrorCode });
    if (status === 429) return new EsrCallFailure('throttled', endpoint, { status, retryAfterMs: this.retryAfterMs(res) });
    if (status === 503) return new EsrCallFailure('server_error', endpoint, { status, retryAfterMs: this.retryAfterMs(res) });
    if (status >= 500) return new EsrCallFailure('server_error', endpoint, { status });
    if (status >= 400) return new EsrCallFailure('rejected', endpoint, { status, esrErrorCode });
    return new EsrCallFailure('invalid_response', endpoint, { status, reason: 'status: expected 2xx' });
  }

  /** Retry-After in ms (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
  private retryAfterMs(res: AxiosResponse<string>): number | undefined {
    const header = res.headers['retry-after'] as unknown;
    if (typeof header !== 'string' && typeof header !== 'number') return undefined;
    const value = String(header).trim();
    if (/^\d+$/.test(value)) return Number(value) * 1000;
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : Math.max(0, at - this.clock.nowMs());
  }

  private domainErrorFor(error: unknown, context: CallContext): unknown {
    if (error instanceof DomainError) return error;
    if (isBrokenCircuitError(error)) {
      this.metrics.shortCircuited.inc();
      const remainingMs = this.breakerOpenedAt + this.config.esrBreakerHalfOpenAfterMs - Date.now();
      return new EsrUnavailableError(
        'ESR is unavailable: after repeated failures the gateway is not calling it for a short while; try again shortly.',
        Math.max(1, Math.ceil(remainingMs / 1000)),
      );
    }
    if (isBulkheadRejectedError(error)) {
      this.logger.warn('ESR call refused: too many ESR calls are already waiting');
      return new EsrUnavailableError('Too many ESR calls are waiting; try again shortly.', 1);
    }
    if (!(error instanceof EsrCallFailure)) return error;

    const { kind, endpoint, detail } = error;
    if (kind !== 'not_found' && kind !== 'gone') this.logger.warn(`ESR call failed: ${error.message}`);
    const retryAfterSeconds = detail.retryAfterMs === undefined ? undefined : detail.retryAfterMs / 1000;
    switch (kind) {
      case 'timeout':
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

  // -------------------------------------------------------------------------------------------
  // OAuth2 client-credentials token

  /** The current token, or a fresh one; concurrent callers share one in-flight token request. */
  private accessToken(): Promise<string> {
    if (this.token && this.clock.nowMs() < this.token.refreshAtMs) return Promise.resolve(this.token.value);
    this.tokenInFlight ??= this.fetchToken().finally(() => {
      this.tokenInFlight = undefined;
    });
    return this.tokenInFlight;
  }

  /** Forgets `token` after ESR refused it, unless another caller has already replaced it. */
  private invalidateToken(token: string): void {
    if (this.token?.value === token) this.token = undefined;
  }

  private async fetchToken(): Promise<string> {
    const endpoint = ESR_ENDPOINTS.token;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.config.esrClientId,
      client_secret: this.config.esrClientSecret,
    });
    if (this.config.esrScope) form.set('scope', this.config.esrScope);
    const requestedAt = this.clock.nowMs();
    try {
      const res = await this.exchange(endpoint, {
        method: 'POST',
        url: this.url('/oauth2/token'),
        data: form.toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      if (res.status === 401) throw new EsrCallFailure('rejected', endpoint, { status: 401, esrErrorCode: errorCodeOf(res.data) });
      if (res.status < 200 || res.status > 299) throw this.statusFailure(endpoint, res);
      let parsed: { accessToken: string; expiresInSeconds: number };
      try {
        parsed = tokenResponse(parseJson(res.data));
      } catch (error) {
        if (error instanceof ContractViolation)
          throw new EsrCallFailure('invalid_response', endpoint, { status: res.status, reason: error.reason });
        throw error;
      }
      const lifetimeMs = parsed.expiresInSeconds * 1000;
      this.token = {
        value: parsed.accessToken,
        refreshAtMs: requestedAt + lifetimeMs - Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs * 0.1),
      };
      this.metrics.tokenFetches.inc({ result: 'success' });
      return parsed.accessToken;
    } catch (error) {
      this.metrics.tokenFetches.inc({ result: 'failure' });
      throw error;
    }
  }

  private url(path: string): string {
    return `${this.endpoint.baseUrl}${path}`;
  }
}

function withBearer(request: AxiosRequestConfig, token: string): AxiosRequestConfig {
  return { ...request, headers: { ...(request.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` } };
}

function toBreakerState(state: CircuitState): EsrBreakerState {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half-open';
  return 'open';
}

function isConnectTimeout(error: unknown): boolean {
  if (error instanceof ConnectTimeoutError) return true;
  if (!isAxiosError(error)) return false;
  return error.code === ESR_CONNECT_TIMEOUT_CODE || error.code === 'ETIMEDOUT' || error.cause instanceof ConnectTimeoutError;
}

function assertVpd(vpd: string): void {
  if (typeof vpd !== 'string' || !VPD.test(vpd))
    throw new ValidationFailedError('The VPD must be 3 digits.', [{ field: 'vpd', message: 'must be 3 digits' }]);
}

function assertEmployeeNumber(employeeNumber: string): void {
  if (typeof employeeNumber !== 'string' || !EMPLOYEE_NUMBER.test(employeeNumber))
    throw new ValidationFailedError('The employee number must be 8 digits.', [{ field: 'employeeNumber', message: 'must be 8 digits' }]);
}

/**
 * The query of a people search: exactly one of employeeNumber, assignmentNumber, or all three of
 * lastName, dateOfBirth and niNumber, each in the contract's format. Error details name fields only.
 */
function peopleSearchParams(criteria: PeopleCriteria): Record<string, string> {
  const c = criteria as Partial<Record<'employeeNumber' | 'assignmentNumber' | 'lastName' | 'dateOfBirth' | 'niNumber', unknown>>;
  const present = (['employeeNumber', 'assignmentNumber', 'lastName', 'dateOfBirth', 'niNumber'] as const).filter(
    (k) => c[k] !== undefined && c[k] !== null && c[k] !== '',
  );
  const invalid = (details: ErrorDetail[]): never => {
    throw new ValidationFailedError(
      'Search ESR by employee number, by assignment number, or by last name, date of birth and NI number.',
      details,
    );
  };
  const is = (keys: string[]): boolean =>
    present.length === keys.length && keys.every((k) => present.includes(k as (typeof present)[number]));
  if (is(['employeeNumber'])) {
    if (typeof c.employeeNumber !== 'string' || !EMPLOYEE_NUMBER.test(c.employeeNumber))
      invalid([{ field: 'employeeNumber', message: 'must be 8 digits' }]);
    return { employeeNumber: c.employeeNumber as string };
  }
  if (is(['assignmentNumber'])) {
    if (typeof c.assignmentNumber !== 'string' || !ASSIGNMENT_NUMBER.test(c.assignmentNumber))
      invalid([{ field: 'assignmentNumber', message: 'must be 8 digits, optionally followed by -N' }]);
    return { assignmentNumber: c.assignmentNumber as string };
  }
  if (is(['lastName', 'dateOfBirth', 'niNumber'])) {
    const details: ErrorDetail[] = [];
    const lastName = typeof c.lastName === 'string' ? c.lastName.trim() : '';
    const niNumber = typeof c.niNumber === 'string' ? c.niNumber.replace(/\s+/g, '').toUpperCase() : '';
    if (lastName.length === 0 || lastName.length > 100) details.push({ field: 'lastName', message: 'must be 1 to 100 characters' });
    if (!isIsoDate(c.dateOfBirth)) details.push({ field: 'dateOfBirth', message: 'must be a date (YYYY-MM-DD)' });
    if (!NI_NUMBER.test(niNumber))
      details.push({ field: 'niNumber', message: 'must be a National Insurance number: two letters, six digits and A, B, C or D' });
    if (details.length > 0) invalid(details);
    return { lastName, dateOfBirth: c.dateOfBirth as string, niNumber };
  }
  return invalid([
    { field: 'criteria', message: 'must be exactly one of: employeeNumber; assignmentNumber; lastName, dateOfBirth and niNumber' },
  ]);
}
