import type { Attributes, Context } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { UNMATCHED_PATH, maskUrl } from '../logging/request-logging';

/** Attributes holding a whole URL, or a path (with or without its query), as the HTTP and Nest instrumentations write them. */
const URL_KEYS = ['url.full', 'http.url'];
const PATH_KEYS = ['url.path', 'http.target'];
const DROPPED_KEYS = ['url.query', 'db.statement.parameters'];

/**
 * Masks a path for telemetry as request logs mask it (portal user ids, e-mail-like segments), and
 * also what ESR paths carry: employee numbers (the segment after /people/, any run of 6+ digits).
 * The query string is dropped (search criteria: names, dates of birth).
 */
export function maskPathForTelemetry(path: string): string {
  return maskUrl(path)
    .replace(/\/people\/[^/]+/g, '/people/:employeeNumber')
    .replace(/\/\d{6,}(?=\/|$)/g, '/:number');
}

function maskedUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${maskPathForTelemetry(url.pathname)}`;
  } catch {
    return maskPathForTelemetry(value);
  }
}

/** The path to show for a span: the route template of a server span that matched a route, else the masked path. */
function scrubbedPath(value: unknown, route: string | undefined, kind: SpanKind): string {
  if (kind === SpanKind.SERVER) return route ?? UNMATCHED_PATH;
  return typeof value === 'string' ? maskPathForTelemetry(value) : '';
}

/** Rewrites, in place, every attribute that could carry personal data. */
export function scrubAttributes(attributes: Attributes, kind: SpanKind): void {
  const route = typeof attributes['http.route'] === 'string' ? attributes['http.route'] : undefined;
  for (const key of URL_KEYS) {
    const value = attributes[key];
    if (value === undefined) continue;
    attributes[key] =
      kind === SpanKind.SERVER || route ? scrubbedPath(value, route, SpanKind.SERVER) : typeof value === 'string' ? maskedUrl(value) : '';
  }
  for (const key of PATH_KEYS) if (attributes[key] !== undefined) attributes[key] = scrubbedPath(attributes[key], route, kind);
  for (const key of DROPPED_KEYS) delete attributes[key];
}

/**
 * The first span processor: before a finished span is exported, masks URLs and paths (route
 * templates for the server side), drops query strings, and keeps only the type of an exception
 * (messages and stack traces may quote what a caller sent). Instrumentations are configured not to
 * record personal data in the first place (tracing-sdk.ts); this is the net under them.
 */
export class SpanScrubber implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    scrubAttributes(span.attributes, span.kind);
    for (const event of span.events) {
      if (!event.attributes) continue;
      delete event.attributes['exception.message'];
      delete event.attributes['exception.stacktrace'];
    }
    if (span.status.message) (span.status as { message?: string }).message = undefined;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
