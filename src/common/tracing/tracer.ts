import { type Attributes, type Span, SpanStatusCode, context, isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * The gateway's own spans (ESR calls, the rate-limit wait, webhook deliveries, sync runs and steps),
 * through @opentelemetry/api only. Without the SDK (OTEL_* unset; register.ts loads nothing) the API
 * hands out non-recording spans and these helpers cost a few function calls.
 *
 * Span names and attributes never carry personal data: callers pass fixed names and ids that are
 * not about a person (endpoint names, VPD codes, run ids, delivery ids).
 */
const tracer = trace.getTracer('esr-gateway');

let started = false;

/** Called once the SDK runs (tracing-sdk.ts): from then on spans are made and log lines carry trace ids. */
export function markTracingStarted(): void {
  started = true;
}

/** Whether the OpenTelemetry SDK was started in this process (OTEL_* configured, loaded with --import). */
export function tracingStarted(): boolean {
  return started;
}

/** Runs `work` inside a new active span (child of the current one), ended when it settles; failures mark the span as an error. */
export function inSpan<T>(name: string, attributes: Attributes, work: (span?: Span) => Promise<T>): Promise<T> {
  if (!started) return work();
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The current trace and span ids (for log lines; also of a trace not sampled here), or undefined outside any trace. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : undefined;
}
