import { EnvironmentVariables } from '../env.schema';

/**
 * The OpenTelemetry variables as validated at start-up, for the start-up line. The SDK itself reads
 * the standard OTEL_* variables (src/common/tracing/register.ts, before the application loads).
 */
export class TracingSettings {
  readonly otlpEndpoint?: string;
  readonly protocol: string;
  readonly sampler: string;
  readonly samplerArg?: number;

  constructor(env: EnvironmentVariables) {
    this.otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
    this.protocol = env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
    this.sampler = env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on';
    this.samplerArg = env.OTEL_TRACES_SAMPLER_ARG === undefined ? undefined : Number(env.OTEL_TRACES_SAMPLER_ARG);
  }

  /** For the start-up line: where spans go and how they are sampled (the endpoint's origin only). */
  describe(): string {
    const where = this.otlpEndpoint ? new URL(this.otlpEndpoint).origin : 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
    return `tracing to ${where} (${this.protocol}, ${this.sampler}${this.samplerArg === undefined ? '' : ` ${this.samplerArg}`})`;
  }
}
