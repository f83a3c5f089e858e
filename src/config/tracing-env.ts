/**
 * Whether OpenTelemetry tracing is asked for, by the standard variables only: an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), not OTEL_SDK_DISABLED=true,
 * not OTEL_TRACES_EXPORTER=none. Read by src/common/tracing/register.ts before anything else is
 * loaded, so it imports nothing; env.schema.ts validates the same variables when the app starts.
 */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface TracingRequest {
  protocol: OtlpProtocol;
}

export function tracingRequested(env: NodeJS.ProcessEnv): TracingRequest | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return undefined;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()) return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  return { protocol: protocol === 'http/json' || protocol === 'grpc' ? protocol : 'http/protobuf' };
}
