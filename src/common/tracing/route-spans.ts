import { trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Names the HTTP server span of each request after its route template (`GET /v1/users/:portalUserId/esr-access`)
 * and sets `http.route`, never the raw URL (it carries portal ids and employee numbers). Registered
 * only while tracing runs.
 */
export function registerRouteSpans(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions.url;
    const span = trace.getActiveSpan();
    if (span && route) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    done();
  });
}
