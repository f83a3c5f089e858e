import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bodyOf, OpenApiResponseValidator, Violation } from './openapi-validator';
import { OPS_KEY, PORTAL_KEY } from './test-env';

export interface GatewayRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  url: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is (set content-type yourself). */
  payload?: unknown;
}

export interface GatewayAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** The contract's error codes (gateway-api.md). */
export const ERROR_CODES = new Set([
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'ESR_ACCESS_NOT_ACTIVE',
  'NOT_FOUND',
  'MAPPING_EXISTS',
  'ESR_RECORD_MAPPED_TO_OTHER_USER',
  'ESR_USER_ALREADY_MAPPED_IN_VPD',
  'VPD_NOT_SERVED',
  'RATE_LIMITED',
  'ESR_UNAVAILABLE',
  'ESR_TIMEOUT',
  'DEPENDENCY_UNAVAILABLE',
  'ESR_RECORD_NOT_FOUND',
  'CONFLICT',
  'INTERNAL',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
]);

/** The error codes the published document lists (ErrorResponseDto.error), else the contract's. */
export function documentedErrorCodes(validator: OpenApiResponseValidator): Set<string> {
  const schemas = (
    validator.document.components as { schemas?: Record<string, { properties?: Record<string, { enum?: string[] }> }> } | undefined
  )?.schemas;
  const codes = schemas?.ErrorResponseDto?.properties?.error?.enum;
  return codes?.length ? new Set(codes) : ERROR_CODES;
}

/** Problems with an error answer's body, measured against the contract's error shape. */
export function errorBodyProblems(answer: GatewayAnswer, codes: Set<string> = ERROR_CODES): string[] {
  const body = answer.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return ['the error answer has no JSON body'];
  const problems: string[] = [];
  if (typeof body.error !== 'string' || !codes.has(body.error))
    problems.push(`error code ${JSON.stringify(body.error)} is not the contract's`);
  if (typeof body.message !== 'string' || body.message.length === 0) problems.push('message is missing');
  if (typeof body.requestId !== 'string' || body.requestId.length === 0) problems.push('requestId is missing');
  if (body.details !== undefined && !Array.isArray(body.details)) problems.push('details is not a list');
  if (body.requestId !== undefined && answer.headers['x-request-id'] !== body.requestId)
    problems.push('requestId differs from X-Request-Id');
  return problems;
}

type Transport = (request: GatewayRequest) => Promise<GatewayAnswer>;

/** Sends requests through Fastify's inject (in-process app). */
export function injectTransport(app: NestFastifyApplication): Transport {
  return async (request) => {
    const payload =
      request.payload === undefined || typeof request.payload === 'string' || Buffer.isBuffer(request.payload)
        ? request.payload
        : JSON.stringify(request.payload);
    const headers = {
      ...(request.payload !== undefined && typeof payload === 'string' && typeof request.payload !== 'string'
        ? { 'content-type': 'application/json' }
        : {}),
      ...request.headers,
    };
    const res = await app.inject({ method: request.method, url: request.url, headers, ...(payload === undefined ? {} : { payload }) });
    return { status: res.statusCode, headers: res.headers as GatewayAnswer['headers'], text: res.body, body: bodyOf(res.body) };
  };
}

/** Sends requests over HTTP to a running gateway (a child process). */
export function httpTransport(baseUrl: string, timeoutMs = 10_000): Transport {
  return async (request) => {
    const json = request.payload !== undefined && typeof request.payload !== 'string' && !Buffer.isBuffer(request.payload);
    const res = await fetch(`${baseUrl}${request.url}`, {
      method: request.method,
      headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...request.headers },
      body: request.payload === undefined ? undefined : json ? JSON.stringify(request.payload) : (request.payload as string),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, headers: Object.fromEntries(res.headers.entries()), text, body: bodyOf(text) };
  };
}

/**
 * A client for the gateway's API that checks every answer against the published OpenAPI document
 * (and every error answer against the contract's error body) and keeps a tally, so a suite can
 * prove "the document tells the truth" over everything it saw.
 */
export class CheckedClient {
  sent = 0;
  fiveXx = 0;
  readonly problems: Violation[] = [];

  private readonly codes: Set<string>;

  constructor(
    private readonly transport: Transport,
    readonly validator: OpenApiResponseValidator,
  ) {
    this.codes = documentedErrorCodes(validator);
  }

  async request(request: GatewayRequest): Promise<GatewayAnswer> {
    const answer = await this.transport(request);
    this.sent++;
    if (answer.status >= 500) this.fiveXx++;
    const path = request.url.split('?')[0];
    const documented = this.validator.operationFor(request.method, path) !== undefined;
    const operation = `${request.method} ${path}`;
    if (
      documented &&
      answer.status < 300 &&
      request.payload !== undefined &&
      typeof request.payload === 'object' &&
      !Buffer.isBuffer(request.payload)
    ) {
      this.problems.push(...this.validator.checkAcceptedRequest(request.method, path, request.payload));
    }
    if (documented) {
      this.problems.push(
        ...this.validator.check({
          method: request.method,
          url: request.url,
          status: answer.status,
          headers: answer.headers,
          body: answer.body,
        }),
      );
    }
    if (answer.status >= 400 && path.startsWith('/v1')) {
      for (const problem of errorBodyProblems(answer, this.codes)) this.problems.push({ operation, status: answer.status, problem });
    }
    return answer;
  }

  get(url: string, key: string | null = PORTAL_KEY, headers: Record<string, string> = {}): Promise<GatewayAnswer> {
    return this.request({ method: 'GET', url, headers: { ...auth(key), ...headers } });
  }

  post(url: string, payload: unknown, key: string | null = PORTAL_KEY, headers: Record<string, string> = {}): Promise<GatewayAnswer> {
    return this.request({ method: 'POST', url, payload, headers: { ...auth(key), ...headers } });
  }

  delete(url: string, key: string | null = PORTAL_KEY, headers: Record<string, string> = {}): Promise<GatewayAnswer> {
    return this.request({ method: 'DELETE', url, headers: { ...auth(key), ...headers } });
  }

  ops(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<GatewayAnswer> {
    return method === 'GET' ? this.get(url, OPS_KEY) : this.post(url, payload ?? {}, OPS_KEY);
  }
}

const auth = (key: string | null): Record<string, string> => (key === null ? {} : { authorization: `Bearer ${key}` });
