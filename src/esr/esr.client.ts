import { HttpService } from '@nestjs/axios';
import { Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { AxiosRequestConfig, AxiosResponse } from 'axios';
import { BrokenCircuitError, CircuitState, RetryPolicy, isBrokenCircuitError } from 'cockatiel';
import { Clock } from '../common/clock/clock';
import { DomainError, ValidationFailedError } from '../common/errors/domain-error';
import { EsrSettings } from '../config/settings/esr.settings';
import { EsrBudgetStore } from '../role-store/esr-budget';
import { assertEmployeeNumber, assertVpd, peopleSearchParams } from './esr.criteria';
import { EsrDeadline, EsrDeadlinePassed, withinDeadline } from './esr.deadline';
import { EsrEndpoint } from './esr.endpoint';
import { EsrTimeoutError, EsrUnavailableError } from './esr.errors';
import { CallContext, EsrCallFailure, callerError, parsedOrFailure, statusFailure } from './esr.failures';
import { FetchedPage, checkedPageSize, extractDateOf, pageByPage, parseItems, parsePage, reportSkipped } from './esr.listings';
import { ESR_ENDPOINTS, EsrEndpointName, EsrMetrics } from './esr.metrics';
import { EsrBreaker, esrRetryPolicy } from './esr.resilience';
import type { EsrLane } from './esr.scheduler';
import { EsrTokens } from './esr.tokens';
import { EsrCallOptions, EsrTransport, Scheduling, schedulingOf } from './esr.transport';
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
import { inSpan } from '../common/tracing/tracer';
import { ContractViolation } from './esr.json-fields';
import { parsePerson, parsePersonSummary } from './esr.person-parsing';
import { errorCodeOf, parseJson, parseRoleAssignment, parseRoleChange, parseVpd } from './esr.validation';

export { TOKEN_REFRESH_MARGIN_MS } from './esr.tokens';
export { ESR_MAX_QUEUED_PER_LANE } from './esr.transport';
export type { EsrCallOptions } from './esr.transport';

/**
 * The gateway's one connection to ESR. Nothing outside src/esr knows ESR's URLs, tokens or wire
 * formats: other modules call these methods and get the gateway's types or a DomainError.
 *
 * Every call goes: deadline (interactive calls) → retry (exponential backoff, full jitter,
 * Retry-After) → circuit breaker → [token] → scheduler (two lanes; ESR's rate limit as a sliding
 * window shared by every replica (EsrBudgetStore); concurrency) → whole-request timeout → HTTP. Interactive calls go ahead of sync calls, and
 * the sync never uses the share ESR_INTERACTIVE_RESERVE keeps for them.
 */
@Injectable()
export class EsrClient implements OnApplicationShutdown {
  private readonly logger = new Logger(EsrClient.name);
  private readonly clock: Clock;
  private readonly retryPolicy: RetryPolicy;
  private readonly breaker: EsrBreaker;
  private readonly transport: EsrTransport;
  private readonly tokens: EsrTokens;

  constructor(
    http: HttpService,
    private readonly endpoint: EsrEndpoint,
    private readonly settings: EsrSettings,
    private readonly metrics: EsrMetrics,
    @Optional() clock?: Clock,
    @Optional() budget?: EsrBudgetStore,
  ) {
    this.clock = clock ?? new Clock();
    this.transport = new EsrTransport(http, settings, this.metrics, budget);
    this.breaker = new EsrBreaker(settings, this.metrics, this.logger);
    this.retryPolicy = esrRetryPolicy(settings, this.metrics, this.logger);
    this.tokens = new EsrTokens(settings, endpoint, this.clock, this.metrics, this.transport);
  }

  /** The ESR base URL in use (the configured one or the built-in sandbox's). */
  get baseUrl(): string {
    return this.endpoint.baseUrl;
  }

  breakerState(): EsrBreakerState {
    return this.breaker.state();
  }

  /** A new ESR_INTERACTIVE_DEADLINE from now, to share between the calls that serve one person. */
  interactiveDeadline(): EsrDeadline {
    return EsrDeadline.after(this.settings.interactiveDeadlineMs);
  }

  /** The VPDs this client may read (sync lane unless told otherwise). */
  async listVpds(opts: EsrCallOptions = {}): Promise<EsrVpd[]> {
    const endpoint = ESR_ENDPOINTS.vpds;
    const { items, skipped } = await this.call(
      endpoint,
      { method: 'GET', url: this.url('/esr/v1/vpds') },
      (res) => parseItems(res, parseVpd),
      {},
      this.scheduling(opts, 'sync'),
    );
    reportSkipped(this.metrics, this.logger, endpoint, undefined, skipped);
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
      {
        roleName: this.settings.roleName,
        employeeNumber: opts.employeeNumber,
        limit: checkedPageSize(opts.pageSize, this.settings.pageSize),
      },
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
      { roleName: this.settings.roleName, since, limit: checkedPageSize(opts.pageSize, this.settings.pageSize) },
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
      (res) => parseItems(res, (item) => parsePersonSummary(item, vpd)),
      { vpd, notFound: `ESR does not know VPD ${vpd}.` },
      this.scheduling(opts, 'interactive'),
    );
    reportSkipped(this.metrics, this.logger, endpoint, vpd, skipped);
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
        const parsed = parsePerson(parseJson(res.data), vpd, extractDateOf(res));
        if (parsed.person.employeeNumber !== employeeNumber) throw new ContractViolation('employeeNumber: expected the person asked for');
        return parsed;
      },
      { vpd, notFound: `ESR has no person with employee number ${employeeNumber} in VPD ${vpd}.` },
      this.scheduling(opts, 'interactive'),
    );
    reportSkipped(this.metrics, this.logger, endpoint, vpd, skipped);
    return person;
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }

  // -------------------------------------------------------------------------------------------
  // Listings

  /** A listing page by page (see pageByPage), each page one call. */
  private pages<T>(
    endpoint: EsrEndpointName,
    path: string,
    params: Record<string, string | number | undefined>,
    parseItem: (item: unknown) => T,
    context: CallContext,
    scheduling: Scheduling,
  ): AsyncGenerator<EsrPage<T>, void, undefined> {
    const fetchPage = async (cursor: string | undefined): Promise<FetchedPage<T>> => {
      const fetched = await this.call(
        endpoint,
        { method: 'GET', url: this.url(path), params: { ...params, cursor } },
        (res) => parsePage(res, parseItem),
        context,
        scheduling,
      );
      reportSkipped(this.metrics, this.logger, endpoint, context.vpd, fetched.skipped);
      return fetched;
    };
    return pageByPage(fetchPage, () => {
      this.logger.warn(`ESR ${endpoint} for VPD ${context.vpd}: the next cursor repeats the current one; stopping`);
      return new EsrUnavailableError('ESR returned an inconsistent listing; try again shortly.');
    });
  }

  // -------------------------------------------------------------------------------------------
  // Call pipeline: retry → breaker → token → scheduler (lanes) → timeout → HTTP

  private scheduling(opts: EsrCallOptions, defaultLane: EsrLane): Scheduling {
    return schedulingOf(opts, defaultLane, () => this.interactiveDeadline());
  }

  /** One ESR call (its retries inside) as one span, `ESR <endpoint>`. */
  private call<T>(
    endpoint: EsrEndpointName,
    request: AxiosRequestConfig,
    parse: (res: AxiosResponse<string>) => T,
    context: CallContext,
    scheduling: Scheduling,
  ): Promise<T> {
    return inSpan(`ESR ${endpoint}`, { 'esr.endpoint': endpoint, 'esr.lane': scheduling.lane }, () =>
      this.callUntraced(endpoint, request, parse, context, scheduling),
    );
  }

  private async callUntraced<T>(
    endpoint: EsrEndpointName,
    request: AxiosRequestConfig,
    parse: (res: AxiosResponse<string>) => T,
    context: CallContext,
    scheduling: Scheduling,
  ): Promise<T> {
    const { deadline } = scheduling;
    const breaker = this.breaker.policy;
    const run = this.retryPolicy.execute(() => {
      if (deadline?.expired) throw new EsrDeadlinePassed();
      // While the one half-open probe is in flight, everyone else fails fast too.
      if (breaker.state === CircuitState.HalfOpen) throw new BrokenCircuitError();
      return breaker
        .execute(() => this.attempt(endpoint, request, parse, scheduling))
        .catch((error: unknown) => {
          // Do not wait out a Retry-After that ends after the deadline: answer now with ESR's Retry-After.
          if (deadline && error instanceof EsrCallFailure && error.detail.retryAfterMs !== undefined) {
            error.final = Math.min(error.detail.retryAfterMs, this.settings.retryAfterCapMs) >= deadline.remainingMs();
          }
          throw error;
        });
    });
    try {
      return await withinDeadline(run, deadline);
    } catch (error) {
      if (error instanceof EsrDeadlinePassed) throw this.deadlineError(endpoint, context);
      if (isBrokenCircuitError(error)) throw this.breaker.shortCircuited();
      throw callerError(error, context, this.logger);
    }
  }

  /** A deadline passed: 503 with Retry-After while the breaker is open (ESR is known to be down), else 504. */
  private deadlineError(endpoint: EsrEndpointName, context: CallContext): DomainError {
    this.metrics.deadlineExceeded.inc({ endpoint });
    if (this.breaker.policy.state === CircuitState.Open) return this.breaker.shortCircuited();
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
    let token = await this.tokens.accessToken();
    let res = await this.transport.exchange(endpoint, withBearer(request, token), scheduling);
    if (res.status === 401) {
      this.tokens.invalidate(token);
      token = await this.tokens.accessToken();
      res = await this.transport.exchange(endpoint, withBearer(request, token), scheduling);
      if (res.status === 401) throw new EsrCallFailure('unauthorized', endpoint, { status: 401, esrErrorCode: errorCodeOf(res.data) });
    }
    if (res.status < 200 || res.status > 299) throw statusFailure(endpoint, res, () => this.clock.nowMs());
    return parsedOrFailure(endpoint, res, parse);
  }

  private url(path: string): string {
    return `${this.endpoint.baseUrl}${path}`;
  }
}

function withBearer(request: AxiosRequestConfig, token: string): AxiosRequestConfig {
  return { ...request, headers: { ...(request.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` } };
}
