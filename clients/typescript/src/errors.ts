/** What every non-2xx answer of the gateway becomes: one error class, its `code` typed per operation. */
export interface GatewayErrorInit<C extends string> {
  status: number;
  code: C;
  message: string;
  requestId: string | undefined;
  retryAfter: number | undefined;
  details: ReadonlyArray<{ field?: string; message?: string }>;
  method: string;
  path: string;
  idempotent: boolean;
}

export class GatewayError<C extends string = string> extends Error {
  override readonly name = 'GatewayError';
  /** HTTP status (e.g. 409). */
  readonly status: number;
  /** The contract's error code (e.g. `ESR_RECORD_MAPPED_TO_OTHER_USER`), typed from the operation's documented errors. */
  readonly code: C;
  /** The gateway's request id (`X-Request-Id`): quote it when reporting a problem. */
  readonly requestId: string | undefined;
  /** Seconds to wait before trying again (`Retry-After`, with 429 and 503), when the gateway said. */
  readonly retryAfter: number | undefined;
  /** Field-level problems of a 422 `VALIDATION_FAILED`. */
  readonly details: ReadonlyArray<{ field?: string; message?: string }>;
  /** The call that failed, e.g. `POST /v1/users/{portalUserId}/esr-mappings`. */
  readonly method: string;
  readonly path: string;
  /** Whether repeating the call is safe (a read, or a write that repeats to the same result). */
  readonly idempotent: boolean;

  constructor(init: GatewayErrorInit<C>) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.details = init.details;
    this.method = init.method;
    this.path = init.path;
    this.idempotent = init.idempotent;
  }

  /** True for the answers worth repeating later: 429 (rate limited) and 503 (ESR or a store unavailable). */
  get retryable(): boolean {
    return this.status === 429 || this.status === 503;
  }
}

/** Narrows an unknown caught value to a GatewayError (optionally of one of the given codes). */
export function isGatewayError<C extends string = string>(value: unknown, ...codes: C[]): value is GatewayError<C> {
  return value instanceof GatewayError && (codes.length === 0 || codes.includes(value.code as C));
}

/** `Retry-After` in seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Builds the GatewayError of a failed answer from its body (the contract's error JSON, or anything else). */
export function toGatewayError<C extends string>(
  response: Response,
  body: unknown,
  call: { method: string; path: string; idempotent: boolean },
): GatewayError<C> {
  const json = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const text = (key: string): string | undefined => (typeof json[key] === 'string' ? (json[key] as string) : undefined);
  return new GatewayError<C>({
    status: response.status,
    code: (text('error') ?? `HTTP_${response.status}`) as C,
    message: text('message') ?? `${call.method} ${call.path} answered ${response.status}`,
    requestId: text('requestId') ?? response.headers.get('x-request-id') ?? undefined,
    retryAfter: parseRetryAfter(response.headers.get('retry-after')),
    details: Array.isArray(json.details) ? (json.details as GatewayErrorInit<C>['details']) : [],
    ...call,
  });
}
