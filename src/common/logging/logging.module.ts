import { Module } from '@nestjs/common';
import { LoggerModule, Params } from 'nestjs-pino';
import pino, { Logger as Pino, LoggerOptions } from 'pino';
import { LoggingSettings } from '../../config/settings/logging.settings';
import { activeTraceIds, tracingStarted } from '../tracing/tracer';
import type { RequestLogPolicy } from './request-logging';
export { maskUrl, UNMATCHED_PATH } from './request-logging';

/** Fields that may carry personal data or secrets: removed from every log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-acting-user"]',
  'req.headers.cookie',
  '*.authorization',
  '*.access_token',
  '*.client_secret',
  '*.token',
  '*.firstName',
  '*.lastName',
  '*.middleNames',
  '*.dateOfBirth',
  '*.niNumber',
  '*.niNumberMasked',
  '*.password',
  '*.secret',
];

const traceIdsOrNothing = (): object => activeTraceIds() ?? {};

/**
 * The application's pino loggers (JSON to stdout, LOG_LEVEL), built once at start-up: `pino` for
 * every line the code writes (redaction of REDACT_PATHS), `requestLog` for the request lines
 * (request-logging.ts builds them from masked fields only: no redaction pass), on the same stream.
 * With tracing on, every line written inside a trace carries `trace_id` and `span_id`.
 */
export class RootLogger {
  readonly pino: Pino;
  readonly requestLog: Pino;
  readonly requestLogPolicy: RequestLogPolicy;

  constructor(settings: Pick<LoggingSettings, 'level' | 'requestLogShare'>) {
    const options: LoggerOptions = { level: settings.level, ...(tracingStarted() ? { mixin: traceIdsOrNothing } : {}) };
    this.pino = pino({ ...options, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
    this.requestLog = pino(options, (this.pino as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym]);
    this.requestLogPolicy = { successShare: settings.requestLogShare };
  }

  /** nestjs-pino's parameters: use this logger; no per-request middleware (request-logging.ts binds the context). */
  get params(): Params {
    return { useExisting: true, forRoutes: [], pinoHttp: { logger: this.pino } };
  }
}

@Module({
  providers: [{ provide: RootLogger, inject: [LoggingSettings], useFactory: (logging: LoggingSettings) => new RootLogger(logging) }],
  exports: [RootLogger],
})
class RootLoggerModule {}

/**
 * pino JSON logs with the request id on every line written while a request is served: Nest's
 * Logger (every class's `new Logger(Class.name)`, the one convention) through nestjs-pino, request
 * lines from Fastify hooks (request-logging.ts, registered by configureApp).
 */
@Module({
  imports: [
    RootLoggerModule,
    LoggerModule.forRootAsync({ imports: [RootLoggerModule], inject: [RootLogger], useFactory: (root: RootLogger) => root.params }),
  ],
  exports: [RootLoggerModule],
})
export class LoggingModule {}
