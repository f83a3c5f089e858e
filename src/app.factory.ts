import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule, Environment } from './app.module';
import { validateEnvironment } from './config/env.schema';
import { checkPostgresAtStartup } from './database/postgres-startup-check';
import { openEsrEndpoint } from './esr-endpoint.bootstrap';
import { applyHttpHardening } from './common/http/http-hardening';
import { responseRequestId } from './common/http/request-ids';
import { createValidationPipe } from './common/http/validation.pipe';
import { AppConfig } from './config/app-config';
import { HttpSettings } from './config/settings/http.settings';
import { RootLogger } from './common/logging/logging.module';
import { registerRequestLogging } from './common/logging/request-logging';
import { registerRouteSpans } from './common/tracing/route-spans';
import { tracingStarted } from './common/tracing/tracer';
import { LifecycleService } from './health/lifecycle.service';
import { HttpMetrics } from './metrics/http.metrics';
import { IMPORT_BODY_LIMIT_BYTES, IMPORT_ROUTE } from './mappings/identifiers';
import { declareCommonResponses } from './openapi/common-responses';
import { declareDocumentFacts } from './openapi/document-facts';
import { fixNullableRefs } from './openapi/nullable-refs';
import { toOpenApi31 } from './openapi/openapi-31';
import { describeFieldsOf } from './openapi/field-descriptions';
import { describeSchemas } from './openapi/schema-descriptions';
import { declareSchemaFormats } from './openapi/schema-formats';
import { declareWebhooks } from './openapi/webhooks-doc';

/** Request bodies over this are refused with 413 (gateway API contract), except on the routes below. */
export const BODY_LIMIT_BYTES = 64 * 1024;
/** Routes with a larger body limit (contract: the import route takes 1 MiB). */
export const ROUTE_BODY_LIMITS: Readonly<Record<string, number>> = { [IMPORT_ROUTE]: IMPORT_BODY_LIMIT_BYTES };

/** @param trustProxy TRUST_PROXY (HttpSettings): proxies whose X-Forwarded-For sets request.ip; none by default. */
export function createFastifyAdapter(trustProxy: readonly string[] = []): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // request.ip (throttling of failed keys, audit, request logs) is the peer unless it is a trusted proxy.
    trustProxy: trustProxy.length > 0 ? [...trustProxy] : false,
    // portalUserId may be 128 characters, URL-encoded up to three times as long.
    routerOptions: { maxParamLength: 512 },
    // The server's own id for every request (logs, audit); the caller's X-Request-Id is kept beside it.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    // Checks HTTP_REQUEST_TIMEOUT every second rather than Node's default 30 s.
    http: { connectionsCheckingInterval: 1000 },
    // A URL the router cannot decode (%ZZ) or a path parameter over maxParamLength: the contract's
    // error body (Fastify's own 400/414 body has neither the error code nor the request id).
    frameworkErrors: (error: { code?: string }, request: FastifyRequest, reply: FastifyReply) => {
      const message =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter of the request URL is too long.' : 'The request URL is not valid.';
      void reply
        .status(422)
        .header('Cache-Control', 'no-store')
        .header('X-Request-Id', responseRequestId(request))
        .header('X-Content-Type-Options', 'nosniff')
        .send({ error: 'VALIDATION_FAILED', message, requestId: responseRequestId(request) });
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
  const generated = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  // Each step is a pure function of the document (src/openapi/*, each with its spec); 3.1 last.
  const steps = [
    fixNullableRefs,
    declareCommonResponses,
    declareDocumentFacts,
    declareSchemaFormats,
    declareWebhooks,
    describeSchemas,
    describeFieldsOf,
  ];
  const described = steps.reduce((document, step) => step(document), generated);
  return toOpenApi31(described);
}

/** Applies what every instance of the app needs: hooks, pipes, docs. Shared by main and tests. */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  const metrics = app.get(HttpMetrics);
  const fastify = app.getHttpAdapter().getInstance();
  const root = app.get(RootLogger);
  registerRequestLogging(fastify, root.requestLog, new PinoLogger(root.params), root.requestLogPolicy);
  if (tracingStarted()) registerRouteSpans(fastify);
  // Once shutdown begins, answers to in-flight requests close their connection, so keep-alive
  // sockets do not hold the server open past the last response.
  fastify.addHook('onRoute', (route) => {
    const limit = ROUTE_BODY_LIMITS[route.url];
    if (limit !== undefined) route.bodyLimit = limit;
  });
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
    app.get(LifecycleService).beginDraining();
  });
  fastify.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('Connection', 'close');
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.answered(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  const http = app.get(HttpSettings);
  applyHttpHardening(app, http);
  app.useGlobalPipes(createValidationPipe());
  // Built on the first request for /docs or /openapi.json, not at start-up (it scans every route).
  if (http.docsEnabled)
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return app;
}

/**
 * Bootstrap: validates and parses the configuration once (ConfigValidationError names every bad or
 * missing variable), checks PostgreSQL's TLS (StartupCheckError: one sentence naming the setting), decides the ESR endpoint (starting the built-in sandbox in local mode only), then
 * builds the app on them. What was started is stopped again if the app cannot be built.
 */
export async function createApp(env: Environment = process.env, options: { bufferLogs?: boolean } = {}): Promise<NestFastifyApplication> {
  const config = AppConfig.from(validateEnvironment(env));
  await checkPostgresAtStartup(config.settings.database);
  const esr = await openEsrEndpoint(config.settings);
  try {
    // Nest's own lines are held until pino is attached; a failed build never prints them (nor Nest's
    // coloured trace): the error reaches the caller, which reports it (startup-failure.ts).
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot(config, esr),
      createFastifyAdapter(config.settings.http.trustProxy),
      {
        bufferLogs: options.bufferLogs ?? true,
        autoFlushLogs: false,
        abortOnError: false,
      },
    );
    app.useLogger(app.get(Logger));
    app.flushLogs();
    return await configureApp(app);
  } catch (error) {
    await esr.close();
    throw error;
  }
}
