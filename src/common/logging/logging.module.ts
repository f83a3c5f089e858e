import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../../config/app-config';
import type { RawRequestWithCallerId } from '../http/request-ids';

/** What logs show instead of a path that matched no route. */
export const UNMATCHED_PATH = '[unmatched path]';

/**
 * Masks path segments that can hold personal data (portal user ids may be e-mail addresses), also in
 * paths that matched no route (another case, a typo): those are logged too.
 */
export function maskUrl(url: string | undefined): string {
  if (!url) return '';
  const path = url.split('?')[0];
  return path.replace(/\/users\/[^/]+/gi, '/users/:portalUserId').replace(/\/[^/]*(?:@|%40)[^/]*/gi, '/:redacted');
}

/** What a log line says of a request: never its query, a portal user id, or a path no route matched. */
export function describeRequest(req: RawRequestWithCallerId & { id?: unknown }): {
  id: unknown;
  method?: string;
  url: string;
  userAgent?: unknown;
} {
  return {
    id: req.id,
    method: req.method,
    url: req.unmatchedRoute ? UNMATCHED_PATH : maskUrl(req.url),
    userAgent: req.headers?.['user-agent'],
  };
}

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

/** pino JSON logs with the request id on every line (nestjs-pino). */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
        // Probes and scrapes are never logged, so they skip the request-logging middleware entirely.
        exclude: [
          { path: 'health/{*splat}', method: RequestMethod.ALL },
          { path: 'metrics', method: RequestMethod.ALL },
        ],
        pinoHttp: {
          level: config.logLevel,
          genReqId: (req: IncomingMessage & { id?: string }) => req.id ?? '',
          customProps: (req: RawRequestWithCallerId & { id?: string }) =>
            req.callerRequestId ? { requestId: req.id, callerRequestId: req.callerRequestId } : { requestId: req.id },
          redact: { paths: REDACT_PATHS, censor: '[redacted]' },
          // The request is described when the response is logged, not when it starts: only then is it
          // known whether the path matched a route (an unmatched path may be anything the caller typed).
          quietResLogger: true,
          customSuccessObject: (req: RawRequestWithCallerId, _res: unknown, val: object) => ({ req: describeRequest(req), ...val }),
          customErrorObject: (req: RawRequestWithCallerId, _res: unknown, _err: unknown, val: object) => ({
            req: describeRequest(req),
            ...val,
          }),
          serializers: {
            req: (req: { id?: string; method?: string; url?: string; headers?: Record<string, unknown>; raw?: RawRequestWithCallerId }) =>
              describeRequest(req.raw ?? (req as RawRequestWithCallerId)),
            res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
          },
          customLogLevel: (_req: IncomingMessage, res: { statusCode: number }, err?: Error) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        },
      }),
    }),
  ],
})
export class LoggingModule {}
