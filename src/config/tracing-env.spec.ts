import { tracingRequested } from './tracing-env';

describe(tracingRequested.name, () => {
  it('should ask for tracing only with an OTLP endpoint, unless the SDK or the trace exporter is switched off', () => {
    expect(tracingRequested({})).toBeUndefined();
    expect(tracingRequested({ OTEL_SERVICE_NAME: 'gw' })).toBeUndefined();
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toEqual({ protocol: 'http/protobuf' });
    expect(
      tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    ).toEqual({
      protocol: 'http/json',
    });
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' })).toEqual({
      protocol: 'grpc',
    });
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
  });
});
