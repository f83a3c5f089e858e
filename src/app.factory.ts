import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { AppModule, Environment } from './app.module';
import { createValidationPipe } from './common/http/validation.pipe';
import { LifecycleService } from './health/lifecycle.service';
import { MetricsService } from './metrics/metrics.service';
import { fixNullableRefs } from './openapi/nullable-refs';

/** Request bodies over this are refused with 413 (gateway API contract). */
export const BODY_LIMIT_BYTES = 64 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createFastifyAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // portalUserId may be 128 characters, URL-encoded up to three times as long.
    routerOptions: { maxParamLength: 512 },
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => {
      const sent = req.headers['x-request-id'];
      const value = Array.isArray(sent) ? sent[0] : sent;
      return value && REQUEST_ID.test(value) ? value : randomUUID();
    },
    // A URL the router cannot decode (%ZZ) or a path parameter over maxParamLength: the contract's
    // error body (Fastify's own 400/414 body has neither the error code nor the request id).
    frameworkErrors: (error: { code?: string }, request: FastifyRequest, reply: FastifyReply) => {
      const message =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter of the request URL is too long.' : 'The request URL is not valid.';
      void reply
        .status(422)
        .header('Cache-Control', 'no-store')
        .header('X-Request-Id', request.id)
        .send({ error: 'VALIDATION_FAILED', message, requestId: String(request.id) });
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    logger: false,
  });
}

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('esr-gateway')
    .setDescription(
      'Gateway between the Digital Staff Passport portal and ESR: ESR mappings ("Manage User"), access ' +
        'resolution for "Search ESR", credential searches, role sync control and audit. See gateway-api.md.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'API key (scopes: portal, ops)' })
    .build();
  return fixNullableRefs(
    SwaggerModule.createDocument(app, config, {
      operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
    }),
  );
}

/** Applies what every instance of the app needs: hooks, pipes, docs. Shared by main and tests. */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  // Once shutdown begins, answers to in-flight requests close their connection, so keep-alive
  // sockets do not hold the server open past the last response.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
    app.get(LifecycleService).beginDraining();
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
    if (closing) void reply.header('Connection', 'close');
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.useGlobalPipes(createValidationPipe());
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return app;
}

export async function createApp(env: Environment = process.env, options: { bufferLogs?: boolean } = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(env), createFastifyAdapter(), {
    bufferLogs: options.bufferLogs ?? true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  return configureApp(app);
}
