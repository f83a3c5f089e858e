/**
 * Loaded before the application (`node --import ./dist/common/tracing/register.js dist/main.js`):
 * starts OpenTelemetry tracing when the standard OTEL_* variables ask for it, so the HTTP, Redis
 * and PostgreSQL modules are instrumented as they are first required. Otherwise it loads nothing
 * more and tracing costs nothing.
 */
import { tracingRequested } from '../../config/tracing-env';

const request = tracingRequested(process.env);
if (request) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK is loaded only when asked for
  (require('./tracing-sdk') as typeof import('./tracing-sdk')).startTracing(request);
}
