import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as received, its attributes flattened to plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  /** Everything the span carried (name, attributes, events, status) as JSON, to search for personal data. */
  text: string;
  scope: string;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: OtlpValue }>;
}
interface OtlpTraces {
  resourceSpans?: Array<{ scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }> }>;
}

const valueOf = (value: OtlpValue): unknown =>
  value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue ?? value.arrayValue?.values?.map(valueOf);

/**
 * An OTLP/HTTP receiver (JSON encoding: OTEL_EXPORTER_OTLP_PROTOCOL=http/json) in the test process:
 * collects every span a gateway exports to POST /v1/traces.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** The resource attributes of the last batch (service.name etc.). */
  resource: Record<string, unknown> = {};
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.receive(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      this.collect(
        JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces & {
          resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: OtlpValue }> } }>;
        },
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  }

  private collect(
    body: OtlpTraces & { resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: OtlpValue }> } }> },
  ): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      this.resource = Object.fromEntries((resourceSpans.resource?.attributes ?? []).map((a) => [a.key, valueOf(a.value)]));
      for (const scopeSpans of resourceSpans.scopeSpans ?? [])
        for (const span of scopeSpans.spans ?? [])
          this.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind,
            attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
            text: JSON.stringify(span),
            scope: scopeSpans.scope?.name ?? '',
          });
    }
  }
}
