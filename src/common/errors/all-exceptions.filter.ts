import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { responseRequestId } from '../http/request-ids';
import { DependencyUnavailableError, DomainError, ErrorCode, ERROR_STATUS, ErrorDetail } from './domain-error';

/** What a 413 says: the contract's limits (64 KiB; the import route 1 MiB). */
const BODY_TOO_LARGE = 'The request body is larger than this route accepts (64 KiB; 1 MiB for the mappings import).';

interface ErrorBody {
  error: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  requestId: string;
}

const REDIS_ERROR = /enableOfflineQueue|Connection is closed|Reached the max retries per request|Command timed out|ECONNREFUSED.*6379/i;
const REDIS_UNABLE_TO_SERVE = /^(LOADING|BUSY|OOM|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;
const DB_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  'SQLITE_BUSY',
]);

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as Error).message === 'string');
}

/** Recognises failures of Redis or the database that escaped a service, so callers get 503 not 500. */
export function asDependencyError(error: unknown): DependencyUnavailableError | undefined {
  // Duck-typed, not `instanceof Error`: errors made in another realm (Node's own socket errors seen from a
  // vm context such as Jest's, a worker) are Errors all the same.
  if (!isErrorLike(error)) return undefined;
  const name = error.constructor?.name ?? '';
  if (name === 'MaxRetriesPerRequestError' || REDIS_ERROR.test(error.message)) return new DependencyUnavailableError('redis', error);
  // Redis answering but unable to serve: restarting, a blocked script, out of memory, a read-only replica.
  if (name === 'ReplyError' && REDIS_UNABLE_TO_SERVE.test(error.message)) return new DependencyUnavailableError('redis', error);
  const code = (error as { code?: string }).code ?? (error as { driverError?: { code?: string } }).driverError?.code;
  if (code && DB_CONNECTION_CODES.has(code)) return new DependencyUnavailableError('database', error);
  // pg's own timeouts: connecting (connectionTimeoutMillis) and waiting for an answer (query_timeout, a hung server).
  if (
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|The database connection is not open/i.test(
      error.message,
    )
  )
    return new DependencyUnavailableError('database', error);
  return undefined;
}

function fromHttpException(exception: HttpException): { status: number; error: ErrorCode; message: string } {
  const status = exception.getStatus();
  if (status === 404) return { status, error: 'NOT_FOUND', message: 'No such resource.' };
  if (status === 413) return { status, error: 'PAYLOAD_TOO_LARGE', message: BODY_TOO_LARGE };
  if (status === 401) return { status, error: 'UNAUTHENTICATED', message: 'A valid API key is required.' };
  if (status === 403) return { status, error: 'FORBIDDEN', message: 'This API key may not do that.' };
  if (status === 405) return { status, error: 'NOT_FOUND', message: 'No such resource for this method.' };
  if (status === 429) return { status, error: 'RATE_LIMITED', message: 'Too many requests; try again later.' };
  if (status === 415)
    return { status, error: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body must be JSON (Content-Type: application/json).' };
  if (status >= 400 && status < 500) {
    const text = /JSON/i.test(exception.message) ? 'The request body is not valid JSON.' : 'The request is not valid.';
    return { status: 422, error: 'VALIDATION_FAILED', message: text };
  }
  return { status: 500, error: 'INTERNAL', message: 'Something went wrong in the gateway; the error has been logged.' };
}

/** Fastify's own errors (body parsing, size limits) carry a statusCode and an FST_ code. */
function fromFastifyError(error: { statusCode: number; code?: string; message: string }): {
  status: number;
  error: ErrorCode;
  message: string;
} {
  if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, error: 'PAYLOAD_TOO_LARGE', message: BODY_TOO_LARGE };
  if (error.statusCode === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return { status: 415, error: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body must be JSON (Content-Type: application/json).' };
  if (error.statusCode >= 400 && error.statusCode < 500)
    return { status: 422, error: 'VALIDATION_FAILED', message: 'The request body is not valid JSON.' };
  return { status: 500, error: 'INTERNAL', message: 'Something went wrong in the gateway; the error has been logged.' };
}

/**
 * The one place errors become HTTP responses: DomainError codes map to their statuses, framework
 * errors to the contract's codes, and anything unexpected to INTERNAL (logged, never leaked).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const requestId = request ? responseRequestId(request) : '';
    const domain = exception instanceof DomainError ? exception : asDependencyError(exception);

    let status: number;
    let body: ErrorBody;
    if (domain) {
      status = ERROR_STATUS[domain.code];
      body = { error: domain.code, message: domain.message, requestId };
      if (domain.options.details?.length) body.details = domain.options.details;
      if (domain.options.retryAfterSeconds !== undefined)
        void reply.header('Retry-After', String(Math.max(1, Math.ceil(domain.options.retryAfterSeconds))));
      if (status >= 500)
        this.logger.warn({ code: domain.code, cause: (domain.options.cause as Error | undefined)?.message, requestId }, domain.message);
    } else if (exception instanceof HttpException) {
      const mapped = fromHttpException(exception);
      status = mapped.status;
      body = { error: mapped.error, message: mapped.message, requestId };
      if (status === 429) void reply.header('Retry-After', '60');
      if (status >= 500) this.logger.error({ err: exception, requestId }, 'Unhandled HTTP exception');
    } else if (exception && typeof (exception as { statusCode?: unknown }).statusCode === 'number') {
      const mapped = fromFastifyError(exception as { statusCode: number; code?: string; message: string });
      status = mapped.status;
      body = { error: mapped.error, message: mapped.message, requestId };
      if (status >= 500) this.logger.error({ err: exception, requestId }, 'Unhandled framework error');
    } else {
      status = 500;
      body = { error: 'INTERNAL', message: 'Something went wrong in the gateway; the error has been logged.', requestId };
      this.logger.error({ err: exception, requestId }, 'Unhandled error');
    }
    if (reply.sent) return;
    void reply.status(status).header('Cache-Control', 'no-store').send(body);
  }
}
