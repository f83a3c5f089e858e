import type { IncomingMessage } from 'node:http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { TracingRequest } from '../../config/tracing-env';
import { isQuiet } from '../logging/request-logging';
import { SpanScrubber } from './span-scrubber';
import { markTracingStarted } from './tracer';

/** The OTLP exporter for the protocol asked for; each reads its endpoint, headers and timeout from the standard OTEL_EXPORTER_OTLP_* variables. */
function exporterFor(protocol: TracingRequest['protocol']): SpanExporter {
  /* eslint-disable @typescript-eslint/no-require-imports -- only the exporter in use is loaded */
  if (protocol === 'http/json')
    return new (
      require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')
    ).OTLPTraceExporter();
  if (protocol === 'grpc')
    return new (
      require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc')
    ).OTLPTraceExporter();
  return new (
    require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')
  ).OTLPTraceExporter();
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/**
 * Starts the OpenTelemetry Node SDK for traces only (metrics stay on /metrics, logs on stdout):
 * sampler, propagators (W3C trace context and baggage by default), service name and resource
 * attributes from the standard OTEL_* variables; spans for the HTTP server and client (probes and
 * scrapes ignored; route-spans.ts names server spans after their route), ioredis (command names only, never keys or arguments) and pg
 * (statements are parameterised; values never recorded), each database span only inside a trace.
 */
export function startTracing(request: TracingRequest): void {
  startNodeSdk({
    metricReaders: [],
    logRecordProcessors: [],
    spanProcessors: [new SpanScrubber(), new BatchSpanProcessor({ exporter: exporterFor(request.protocol) })],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => isQuiet(req.url ?? ''),
        requireParentforOutgoingSpans: true,
      }),
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  markTracingStarted();
}
