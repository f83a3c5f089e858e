import { HttpService } from '@nestjs/axios';
import { Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { Agent } from 'node:http';
import { AxiosRequestConfig, AxiosResponse, isAxiosError } from 'axios';
import {
  BrokenCircuitError,
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
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  isBrokenCircuitError,
  isTaskCancelledError,
  retry,
  timeout,
} from 'cockatiel';
import { Clock } from '../common/clock/clock';
import { DomainError, ValidationFailedError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { assertEmployeeNumber, assertVpd, peopleSearchParams } from './esr.criteria';
import { EsrDeadline, EsrDeadlinePassed, withinDeadline } from './esr.deadline';
import { EsrEndpoint } from './esr.endpoint';
import { EsrNotFoundError, EsrRejectedError, EsrTimeoutError, EsrUnavailableError, EsrWatermarkExpiredError } from './esr.errors';
import { ConnectTimeoutError, ESR_CONNECT_TIMEOUT_CODE } from './esr.http';
import { BREAKER_GAUGE_VALUE, ESR_ENDPOINTS, EsrEndpointName, EsrMetrics } from './esr.metrics';
import { EsrLane, EsrQueueFullError, EsrScheduler } from './esr.scheduler';
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

/** Calls that may wait for their turn in one lane; more fail fast with ESR_UNAVAILABLE. */
export const ESR_MAX_QUEUED_PER_LANE = 1000;
/** A token is renewed this long before it expires, at most (or 10% of its lifetime, if shorter). */
export const TOKEN_REFRESH_MARGIN_MS = 30_000;

type FailureKind =
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

/** How one call to ESR is scheduled. */
export interface EsrCallOptions {
  /**
   * The queue the call waits in. Defaults: `interactive` for searches, person records and one
   * person's role listing; `sync` for full listings, change feeds and the VPD list.
   */
  lane?: EsrLane;
  /**
   * Ends the call with ESR_TIMEOUT when it passes (several calls may share one, see
   * interactiveDeadline()). Interactive calls without one get ESR_INTERACTIVE_DEADLINE each; sync
   * calls have none beyond their attempts x ESR_REQUEST_TIMEOUT and backoff.
   */
  deadline?: EsrDeadline;
}

interface Scheduling {
  lane: EsrLane;
  deadline?: EsrDeadline;
}

/**
 * The gateway's one connection to ESR. Nothing outside src/esr knows ESR's URLs, tokens or wire
 * formats: other modules call these methods and get the gateway's types or a DomainError.
 *
 * Every call goes: deadline (interactive calls) → retry (exponential backoff, full jitter,
 * Retry-After) → circuit breaker → [token] → scheduler (two lanes; ESR's rate limit as a sliding
 * window; concurrency) → whole-request timeout → HTTP. Interactive calls go ahead of sync calls, and
 * the sync never uses the share ESR_INTERACTIVE_RESERVE keeps for them.
 */
@Injectable()
export class EsrClient implements OnApplicationShutdown {
  private readonly logger = new Logger(EsrClient.name);
  private readonly clock: Clock;
  private readonly metrics: EsrMetrics;
  private readonly retryPolicy: RetryPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly timeoutPolicy: TimeoutPolicy;
  private readonly scheduler: EsrScheduler;
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
    this.scheduler = new EsrScheduler({
      ratePerWindow: config.esrRateLimitPerSecond,
      windowMs: 1000,
      maxConcurrency: config.esrMaxConcurrency,
      interactiveReservePercent: config.esrInteractiveReservePercent,
      maxQueuedPerLane: ESR_MAX_QUEUED_PER_LANE,
    });
    this.timeoutPolicy = timeout(config.esrRequestTimeoutMs, TimeoutStrategy.Aggressive);

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
      handleWhen((e) => e instanceof EsrCallFailure && RETRIED.has(e.kind) && !e.final),
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

  /** A new ESR_INTERACTIVE_DEADLINE from now, to share between the calls that serve one person. */
  interactiveDeadline(): EsrDeadline {
    return EsrDeadline.after(this.config.esrInteractiveDeadlineMs);
  }

  /** The VPDs this client may read (sync lane unless told otherwise). */
  async listVpds(opts: EsrCallOptions = {}): Promise<EsrVpd[]> {
    const endpoint = ESR_ENDPOINTS.vpds;
    const { items, skipped } = await this.call(
      endpoint,
      { method: 'GET', url: this.url('/esr/v1/vpds') },
      (res) => {
        const reasons: string[] = [];
        return { items: parseEach(itemsOf(parseJson(res.data)), parseVpd, reasons), skipped: reasons };
      },
      {},
      this.scheduling(opts, 'sync'),
    );
    this.reportSkipped(endpoint, undefined, skipped);
    return items;
  }

  /**
   * The full listing of the configured role's assignments in one VPD (or one person's), page by
   * page: a page is fetched only when the iteration asks for it. Lane: sync for a VPD's listing,
   * interactive for one person's (an on-demand refresh), unless `lane` says otherwise; an
   * interactive listing gets one deadline for all its pages.
   */
  listRoleAssignments(
    vpd: string,
    opts: { employeeNumber?: string; pageSize?: number } & EsrCallOptions = {},
  ): AsyncIterable<EsrPage<EsrRoleAssignment>> {
    assertVpd(vpd);
    if (opts.employeeNumber !== undefined) assertEmployeeNumber(opts.employeeNumber);
    return this.pages(
      ESR_ENDPOINTS.roleAssignments,
      `/esr/v1/vpds/${vpd}/supplementary-role-assignments`,
      { roleName: this.config.esrRoleName, employeeNumber: opts.employeeNumber, limit: this.pageSize(opts.pageSize) },
      (item) => parseRoleAssignment(item, vpd),
      { vpd, notFound: `ESR does not know VPD ${vpd}.` },
      this.scheduling(opts, opts.employeeNumber === undefined ? 'sync' : 'interactive'),
    );
  }

  /**
   * Changes to the role's assignments in one VPD since a watermark, page by page. A watermark ESR no
   * longer knows (older than 7 days) fails with EsrWatermarkExpiredError: do a full listing instead.
   */
  listRoleChanges(vpd: string, since: string, opts: { pageSize?: number } & EsrCallOptions = {}): AsyncIterable<EsrPage<EsrRoleChange>> {
    assertVpd(vpd);
    if (typeof since !== 'string' || since.length === 0)
      throw new ValidationFailedError('A watermark is required.', [{ field: 'since', message: 'must be a watermark from ESR' }]);
    return this.pages(
      ESR_ENDPOINTS.roleChanges,
      `/esr/v1/vpds/${vpd}/supplementary-role-assignments/changes`,
      { roleName: this.config.esrRoleName, since, limit: this.pageSize(opts.pageSize) },
      (item) => parseRoleChange(item, vpd),
      { vpd, notFound: `ESR does not know VPD ${vpd}.` },
      this.scheduling(opts, 'sync'),
    );
  }

  /** Searches people in one VPD by exactly one kind of criteria (at most 20 matches). Interactive by default. */
  async searchPeople(vpd: string, criteria: PeopleCriteria, opts: EsrCallOptions = {}): Promise<EsrPersonSummary[]> {
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
      this.scheduling(opts, 'interactive'),
    );
    this.reportSkipped(endpoint, vpd, skipped);
    return items;
  }

  /** One person's record. EsrNotFoundError when ESR has no such person in the VPD. Interactive by default. */
  async getPerson(vpd: string, employeeNumber: string, opts: EsrCallOptions = {}): Promise<EsrPerson> {
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
      this.scheduling(opts, 'interactive'),
    );
    this.reportSkipped(endpoint, vpd, skipped);
    return person;
  }

  onApplicationShutdown(): void {
    this.scheduler.close();
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
    scheduling: Scheduling,
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
        scheduling,
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

  /** The lane and deadline of a call: the caller's, else the method's default lane and, if interactive, a fresh deadline. */
  private scheduling(opts: EsrCallOptions, defaultLane: EsrLane): Scheduling {
    const lane = opts.lane ?? defaultLane;
    return { lane, deadline: opts.deadline ?? (lane === 'interactive' ? this.interactiveDeadline() : undefined) };
  }

  private async call<T>(
    endpoint: EsrEndpointName,
    request: AxiosRequestConfig,
    parse: (res: AxiosResponse<string>) => T,
    context: CallContext,
    scheduling: Scheduling,
  ): Promise<T> {
    const { deadline } = scheduling;
    const run = this.retryPolicy.execute(() => {
      if (deadline?.expired) throw new EsrDeadlinePassed();
      // While the one half-open probe is in flight, everyone else fails fast too.
      if (this.breaker.state === CircuitState.HalfOpen) throw new BrokenCircuitError();
      return this.breaker
        .execute(() => this.attempt(endpoint, request, parse, scheduling))
        .catch((error: unknown) => {
          // Do not wait out a Retry-After that ends after the deadline: answer now with ESR's Retry-After.
          if (deadline && error instanceof EsrCallFailure && error.detail.retryAfterMs !== undefined) {
            error.final = Math.min(error.detail.retryAfterMs, this.config.esrRetryAfterCapMs) >= deadline.remainingMs();
          }
          throw error;
        });
    });
    try {
      return await withinDeadline(run, deadline);
    } catch (error) {
      if (error instanceof EsrDeadlinePassed) throw this.deadlineError(endpoint, context);
      throw this.domainErrorFor(error, context);
    }
  }

  /** A deadline passed: 503 with Retry-After while the breaker is open (ESR is known to be down), else 504. */
  private deadlineError(endpoint: EsrEndpointName, context: CallContext): DomainError {
    this.metrics.deadlineExceeded.inc({ endpoint });
    if (this.breaker.state === CircuitState.Open) return this.domainErrorFor(new BrokenCircuitError(), context) as DomainError;
    this.logger.warn(`ESR call ${endpoint}${context.vpd ? ` for VPD ${context.vpd}` : ''} did not finish within its deadline`);
    return new EsrTimeoutError('ESR did not answer in time; try again shortly.');
  }

  /** One attempt: token, request, one fresh token and one more request on 401, status and body checks. */
  private async attempt<T>(
    endpoint: EsrEndpointName,
    request: AxiosRequestConfig,
    parse: (res: AxiosResponse<string>) => T,
    scheduling: Scheduling,
  ): Promise<T> {
    let token = await this.accessToken();
    let res = await this.exchange(endpoint, withBearer(request, token), scheduling);
    if (res.status === 401) {
      this.invalidateToken(token);
      token = await this.accessToken();
      res = await this.exchange(endpoint, withBearer(request, token), scheduling);
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

  /**
   * One HTTP exchange: its turn from the scheduler (held until the answer arrives), whole-request
   * timeout, metrics. Every HTTP status resolves.
   */
  private async exchange(endpoint: EsrEndpointName, request: AxiosRequestConfig, scheduling: Scheduling): Promise<AxiosResponse<string>> {
    const { lane, deadline } = scheduling;
    const permit = await this.scheduler.acquire(lane, deadline?.signal);
    this.metrics.queueWait.observe({ lane }, permit.waitedMs / 1000);
    const stopTimer = this.metrics.duration.startTimer({ endpoint });
    let status = 'network_error';
    try {
      const res = await this.timeoutPolicy.execute(
        ({ signal }) =>
          this.http.axiosRef.request<string>({
            ...request,
            signal,
            responseType: 'text',
            transformResponse: [(data: unknown) => data],
            validateStatus: () => true,
            maxRedirects: 0,
          }),
        deadline?.signal,
      );
      status = String(res.status);
      if (typeof res.data !== 'string') res.data = res.data === undefined || res.data === null ? '' : String(res.data);
      return res;
    } catch (error) {
      if (deadline?.expired) {
        status = 'cancelled';
        throw new EsrCallFailure('cancelled', endpoint);
      }
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
      permit.release();
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
    if (error instanceof EsrQueueFullError) {
      this.logger.warn(`ESR call refused: too many ESR calls are already waiting in the ${error.lane} lane`);
      return new EsrUnavailableError('Too many ESR calls are waiting; try again shortly.', 1);
    }
    if (!(error instanceof EsrCallFailure)) return error;

    const { kind, endpoint, detail } = error;
    if (kind !== 'not_found' && kind !== 'gone') this.logger.warn(`ESR call failed: ${error.message}`);
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
      // Everyone waits for the token, so it goes in the interactive lane, with no deadline of its own.
      const res = await this.exchange(
        endpoint,
        {
          method: 'POST',
          url: this.url('/oauth2/token'),
          data: form.toString(),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        },
        { lane: 'interactive' },
      );
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
