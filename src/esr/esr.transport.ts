import { HttpService } from '@nestjs/axios';
import type { Agent } from 'node:http';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { TimeoutPolicy, TimeoutStrategy, timeout } from 'cockatiel';
import { inSpan } from '../common/tracing/tracer';
import { EsrSettings } from '../config/settings/esr.settings';
import type { EsrBudgetStore } from '../role-store/esr-budget';
import type { EsrDeadline } from './esr.deadline';
import { exchangeFailure, exchangeStatusLabel } from './esr.failures';
import { EsrEndpointName, EsrMetrics } from './esr.metrics';
import { EsrLane, EsrScheduler } from './esr.scheduler';

/** Calls that may wait for their turn in one lane; more fail fast with ESR_UNAVAILABLE. */
export const ESR_MAX_QUEUED_PER_LANE = 1000;

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

/** The lane an exchange waits in, and the deadline (if any) that ends it wherever it is. */
export interface Scheduling {
  lane: EsrLane;
  deadline?: EsrDeadline;
}

/** The lane and deadline of a call: the caller's, else the method's default lane and, if interactive, a fresh deadline. */
export function schedulingOf(opts: EsrCallOptions, defaultLane: EsrLane, interactiveDeadline: () => EsrDeadline): Scheduling {
  const lane = opts.lane ?? defaultLane;
  return { lane, deadline: opts.deadline ?? (lane === 'interactive' ? interactiveDeadline() : undefined) };
}

/**
 * The last stages of every call to ESR: the scheduler (two lanes; ESR's rate limit as a sliding
 * window; concurrency) → whole-request timeout (ESR_REQUEST_TIMEOUT) → HTTP, with the request
 * metrics. Knows nothing of tokens, retries or what an answer means.
 */
export class EsrTransport {
  private readonly scheduler: EsrScheduler;
  private readonly timeoutPolicy: TimeoutPolicy;

  constructor(
    private readonly http: HttpService,
    settings: EsrSettings,
    private readonly metrics: EsrMetrics,
    budget?: EsrBudgetStore,
  ) {
    this.scheduler = new EsrScheduler(
      {
        ratePerWindow: settings.rateLimitPerSecond,
        windowMs: 1000,
        maxConcurrency: settings.maxConcurrency,
        interactiveReservePercent: settings.interactiveReservePercent,
        maxQueuedPerLane: ESR_MAX_QUEUED_PER_LANE,
        requestTimeoutMs: settings.requestTimeoutMs,
        replicas: settings.rateLimitReplicas,
      },
      { budget, metrics },
    );
    this.timeoutPolicy = timeout(settings.requestTimeoutMs, TimeoutStrategy.Aggressive);
  }

  /**
   * One HTTP exchange: its turn from the scheduler (held until the answer arrives), whole-request
   * timeout, metrics. Every HTTP status resolves; the body is raw text.
   */
  async exchange(endpoint: EsrEndpointName, request: AxiosRequestConfig, scheduling: Scheduling): Promise<AxiosResponse<string>> {
    const { lane, deadline } = scheduling;
    const permit = await inSpan('ESR rate-limit wait', { 'esr.lane': lane }, () => this.scheduler.acquire(lane, deadline?.signal));
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
      const failure = exchangeFailure(error, endpoint, deadline?.expired ?? false);
      status = exchangeStatusLabel(failure);
      throw failure;
    } finally {
      permit.release();
      stopTimer({ status });
      this.metrics.requests.inc({ endpoint, status });
    }
  }

  /** Refuses whatever still waits for its turn and closes the kept-alive sockets. */
  close(): void {
    this.scheduler.close();
    const defaults = this.http.axiosRef.defaults;
    for (const agent of [defaults.httpAgent as Agent | undefined, defaults.httpsAgent as Agent | undefined]) agent?.destroy();
  }
}
