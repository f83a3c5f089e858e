import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { callerRequestIdOf } from '../http/request-ids';

/** What logs show instead of a path that matched no route (it may be anything the caller typed). */
export const UNMATCHED_PATH = '[unmatched path]';

/**
 * Masks path segments that can hold personal data (portal user ids may be e-mail addresses), also in
 * paths that matched no route (another case, a typo): those are logged too.
 */
export function maskUrl(url: string | undefined): string {
  if (!url) return '';
  const path = url.split('?')[0];
  return path.replace(/\/users\/[^/]+/gi, '/users/:portalUserId').replace(/\/[^/]*(?:@|%40)[^/]*/gi, '/:redacted');
}

/** Probes and scrapes: never logged, and no logging context is set up for them. */
export function isQuiet(url: string): boolean {
  return url.startsWith('/health/') || url === '/metrics' || url.startsWith('/metrics?');
}

const levelFor = (statusCode: number): 'error' | 'warn' | 'info' => (statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info');

/** Which requests get a line: REQUEST_LOG as a share of successful requests (1 = all, 0 = errors only); 4xx and 5xx always. */
export interface RequestLogPolicy {
  successShare: number;
}

const shouldWrite = (statusCode: number, policy: RequestLogPolicy): boolean =>
  statusCode >= 400 || policy.successShare >= 1 || (policy.successShare > 0 && Math.random() < policy.successShare);

/**
 * Request logging on Fastify's own hooks, with no Express-style middleware in the path (it used to
 * be pino-http through middie):
 * - onRequest binds a logging context carrying the request id, so every log line written while the
 *   request is served (Nest's Logger and PinoLogger, through nestjs-pino) has `requestId`;
 * - onResponse writes one line per request (REQUEST_LOG: all, errors only, or a share of successful
 *   requests): `requestId` (the server's own), `callerRequestId` (the caller's X-Request-Id, when well
 *   formed), `clientAddress` (request.ip: the peer, or X-Forwarded-For under TRUST_PROXY), `req` (id,
 *   method, masked URL, or UNMATCHED_PATH for a path no route matched; user agent; never headers, so
 *   no key or acting user), `res.statusCode` and `responseTime` (ms); 5xx at error, 4xx at warn, else
 *   info. The line is built from these fields only, masked here, so `requestLog` needs no generic
 *   redaction pass; nothing is built when the line is not written.
 */
export function registerRequestLogging(fastify: FastifyInstance, requestLog: Pino, context: PinoLogger, policy: RequestLogPolicy): void {
  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    if (isQuiet(request.url)) return done();
    context.runInContext(done, { bindings: { requestId: request.id } });
  });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const statusCode = reply.statusCode;
    const level = levelFor(statusCode);
    if (shouldWrite(statusCode, policy) && requestLog.isLevelEnabled(level) && !isQuiet(request.url)) {
      requestLog[level](
        {
          requestId: request.id,
          callerRequestId: callerRequestIdOf(request.raw),
          clientAddress: request.ip,
          req: {
            id: request.id,
            method: request.method,
            url: request.is404 ? UNMATCHED_PATH : maskUrl(request.url),
            userAgent: request.headers['user-agent'],
          },
          res: { statusCode },
          responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
        },
        'request completed',
      );
    }
    done();
  });
}
