import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpSettings } from '../../config/settings/http.settings';
import { callerRequestIdOf, callerRequestIds, responseRequestId, type RawRequestWithCallerId } from './request-ids';

/** Routes that take an HTML form (application/x-www-form-urlencoded) instead of JSON. */
export const FORM_ROUTES = new Set<string>(['/status/sign-in']);

/** The browsable API page: its own assets only, no framing (clickjacking), no plugins. */
const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/**
 * What the browsable API page (/docs) loads: the page, Nest's init script, and the swagger-ui-dist
 * files it references. Anything else of that package's folder (package.json, LICENSE, source maps,
 * the unbundled scripts) is 404, as if it did not exist.
 */
export const DOCS_PAGE_PATHS: ReadonlySet<string> = new Set(
  [
    '',
    '/',
    '/index.html',
    '/swagger-ui-init.js',
    '/swagger-ui.css',
    '/swagger-ui-bundle.js',
    '/swagger-ui-standalone-preset.js',
    '/favicon-32x32.png',
    '/favicon-16x16.png',
  ].map((asset) => `/docs${asset}`),
);

/** A request under /docs for something the page does not use. */
const isUnusedDocsPath = (url: string): boolean => {
  const path = url.split('?')[0];
  return (path === '/docs' || path.startsWith('/docs/')) && !DOCS_PAGE_PATHS.has(path);
};

const hasBody = (request: FastifyRequest): boolean => {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
};

/** The media type of a request body, lower-cased, without parameters ("application/json"). */
const mediaType = (request: FastifyRequest): string => (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();

function sendError(request: FastifyRequest, reply: FastifyReply, status: number, error: string, message: string): void {
  void reply
    .status(status)
    .header('Cache-Control', 'no-store')
    .send({ error, message, requestId: responseRequestId(request) });
}

/**
 * What every answer of the gateway needs besides its content, applied once at start-up:
 * - slow clients cut off: the whole request must arrive within HTTP_REQUEST_TIMEOUT, and a connection
 *   idle for HTTP_CONNECTION_TIMEOUT mid-request is closed (slowloris);
 * - JSON only: a body of any other media type is 415 (the status page's sign-in form excepted);
 * - `X-Content-Type-Options: nosniff` on every answer and `Cache-Control: no-store` on every answer
 *   that did not choose its own caching (personal data and change results are never cached);
 * - a CSP and no framing for /docs, which serves its page's assets only;
 * - the server's own request id for logs and audit, the caller's kept beside it and echoed back;
 * - paths that matched no route flagged, so logs show a placeholder instead of what was sent.
 */
export function applyHttpHardening(app: NestFastifyApplication, http: HttpSettings): void {
  const server = app.getHttpServer();
  server.requestTimeout = http.requestTimeoutMs;
  server.headersTimeout = http.requestTimeoutMs;
  server.setTimeout(http.connectionTimeoutMs);

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    const raw = request.raw as RawRequestWithCallerId;
    raw.callerRequestId = callerRequestIdOf(raw);
    callerRequestIds.remember(String(request.id), raw.callerRequestId);
    if (isUnusedDocsPath(request.url)) {
      sendError(request, reply, 404, 'NOT_FOUND', 'No such resource.');
      return reply;
    }
    if (!hasBody(request) || request.method === 'GET' || request.method === 'HEAD') return;
    const type = mediaType(request);
    const route = request.routeOptions?.url;
    if (type === 'application/json' || (type === 'application/x-www-form-urlencoded' && route && FORM_ROUTES.has(route))) return;
    sendError(request, reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON (Content-Type: application/json).');
    return reply;
  });
  fastify.addHook('onResponse', async (request) => callerRequestIds.forget(String(request.id)));
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', responseRequestId(request));
    void reply.header('X-Content-Type-Options', 'nosniff');
    if (!reply.hasHeader('Cache-Control')) void reply.header('Cache-Control', 'no-store');
    if (request.is404) (request.raw as RawRequestWithCallerId).unmatchedRoute = true;
    if (request.url.startsWith('/docs')) {
      void reply.header('Content-Security-Policy', DOCS_CSP);
      void reply.header('X-Frame-Options', 'DENY');
    }
  });
}
