import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CliError, EXIT } from './cli-error';

/** Where the CLI talks to and as whom. */
export interface GatewayConnection {
  /** Base URL of the gateway, e.g. https://esr-gateway.trust.nhs.uk */
  url: string;
  /** API key (Bearer). */
  key: string;
  /** X-Acting-User: the person on whose behalf the call is made (audit); optional for ops calls. */
  actingUser?: string;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
}

/** The contract's error body. */
interface ErrorBody {
  error?: unknown;
  message?: unknown;
  requestId?: unknown;
}

/** A refusal or fault the gateway answered with: one sentence for a person, plus the code. */
export class GatewayError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message, EXIT.GATEWAY);
    this.name = 'GatewayError';
  }
}

export interface RequestOptions {
  body?: unknown;
  accept?: string;
  query?: Record<string, string | undefined>;
}

/**
 * The gateway's HTTP API, nothing else (no back door into the database or Redis). Every failure
 * becomes a GatewayError whose message is the sentence of the contract's error body, or a sentence
 * saying the gateway could not be reached.
 */
export class GatewayClient {
  private readonly base: URL;

  constructor(private readonly connection: GatewayConnection) {
    try {
      this.base = new URL(connection.url.endsWith('/') ? connection.url : `${connection.url}/`);
    } catch {
      throw new CliError(`The gateway URL "${connection.url}" is not a URL (set ESR_GATEWAY_URL or --url).`, EXIT.USAGE);
    }
    if (!/^https?:$/.test(this.base.protocol))
      throw new CliError(`The gateway URL must start with http:// or https:// (got ${this.base.protocol}).`, EXIT.USAGE);
  }

  get url(): string {
    return this.base.origin + this.base.pathname.replace(/\/$/, '');
  }

  get actingUser(): string | undefined {
    return this.connection.actingUser;
  }

  /** A JSON call; resolves with the parsed body (undefined for 204). */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, { accept: 'application/json', ...options });
    if (res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch {
      throw new GatewayError(`The gateway answered ${method} ${path} with a body that is not JSON.`, res.status, undefined, undefined);
    }
  }

  /** A call whose answer is streamed as it arrives (CSV exports). */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<Readable> {
    const res = await this.send(method, path, options);
    if (!res.body) return Readable.from([]);
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }

  /** A public text endpoint (/metrics); undefined when it cannot be read. */
  async text(path: string): Promise<string | undefined> {
    try {
      const res = await this.send('GET', path, { accept: 'text/plain' });
      return await res.text();
    } catch {
      return undefined;
    }
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.connection.key}`,
      'user-agent': 'esr-gateway-cli',
    };
    if (options.accept) headers.accept = options.accept;
    if (this.connection.actingUser) headers['x-acting-user'] = this.connection.actingUser;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.connection.timeoutMs),
      });
    } catch (error) {
      throw new GatewayError(unreachable(this.url, error, this.connection.timeoutMs), 0, 'UNREACHABLE', undefined);
    }
    if (res.ok) return res;
    throw await toGatewayError(res);
  }
}

async function toGatewayError(res: Response): Promise<GatewayError> {
  const retryAfter = Number(res.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined;
  let body: ErrorBody | undefined;
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    body = undefined;
  }
  const code = typeof body?.error === 'string' ? body.error : undefined;
  const sentence = typeof body?.message === 'string' && body.message.trim() ? body.message.trim() : fallback(res.status);
  const ref = [code, typeof body?.requestId === 'string' ? `request ${body.requestId}` : undefined].filter(Boolean).join(', ');
  return new GatewayError(ref ? `${sentence} (${ref})` : sentence, res.status, code, retryAfterMs);
}

function fallback(status: number): string {
  if (status === 401) return 'The gateway did not accept the API key (set ESR_GATEWAY_KEY or --key).';
  if (status === 403) return 'The API key is not allowed to do this.';
  if (status === 404) return 'The gateway has no such resource (is ESR_GATEWAY_URL the gateway, and is it up to date?).';
  return `The gateway answered HTTP ${status} without an error body.`;
}

function unreachable(url: string, error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `The gateway at ${url} did not answer within ${timeoutMs / 1000} s.`;
  const why = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? 'unknown error';
  return `Cannot reach the gateway at ${url} (${why}).`;
}
