import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  /** performance.now() when the request arrived. */
  at: number;
  method: string;
  /** Path without the query string (query strings to ESR carry personal data). */
  path: string;
  status: number;
  /** The answer's error code for 4xx/5xx JSON answers (e.g. rate_limited). */
  error?: string;
  message?: string;
  /** The W3C trace context the caller sent, if any. */
  traceparent?: string;
}

/**
 * A pass-through HTTP proxy that records every call (arrival time, path, status, error code), to
 * measure what the gateway asked of ESR: requests per second, 429s, retries.
 */
export class HttpRecorder {
  private server?: Server;
  readonly calls: RecordedCall[] = [];
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.forward(req, res));
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The most calls matching `filter` that arrived within any window of `windowMs`. */
  peakPerWindow(filter: (call: RecordedCall) => boolean, windowMs = 1000): number {
    const times = this.calls
      .filter(filter)
      .map((c) => c.at)
      .sort((a, b) => a - b);
    let peak = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while (times[end] - times[start] >= windowMs) start++;
      peak = Math.max(peak, end - start + 1);
    }
    return peak;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const call: RecordedCall = { at: performance.now(), method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0], status: 0 };
    if (typeof req.headers.traceparent === 'string') call.traceparent = req.headers.traceparent;
    this.calls.push(call);
    const target = new URL(req.url ?? '/', this.target);
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      call.status = answer.statusCode ?? 0;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (call.status < 400) {
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          const body = JSON.parse(text) as { error?: string; message?: string };
          call.error = body.error;
          call.message = body.message;
        } catch {
          /* not JSON */
        }
        res.end(text);
      });
    });
    upstream.on('error', () => {
      call.status = 502;
      res.destroy();
    });
    // The client gave up (its timeout): stop waiting on ESR too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }
}
