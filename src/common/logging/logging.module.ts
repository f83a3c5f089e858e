import { Module } from '@nestjs/common';
import { LoggerModule, Params } from 'nestjs-pino';
import pino, { Logger as Pino } from 'pino';
import { LoggingSettings } from '../../config/settings/logging.settings';
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

/** The application's one pino logger (JSON to stdout, LOG_LEVEL, redaction), built once at start-up. */
export class RootLogger {
  readonly pino: Pino;

  constructor(level: string) {
    this.pino = pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
  }

  /** nestjs-pino's parameters: use this logger; no per-request middleware (request-logging.ts binds the context). */
  get params(): Params {
    return { useExisting: true, forRoutes: [], pinoHttp: { logger: this.pino } };
  }
}

@Module({
  providers: [{ provide: RootLogger, inject: [LoggingSettings], useFactory: (logging: LoggingSettings) => new RootLogger(logging.level) }],
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
