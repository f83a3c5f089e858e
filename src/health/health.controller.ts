import { Controller, Get, Header, HttpException, Inject, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/auth/auth.decorators';
import { ReadinessViewer } from './readiness-viewer';
import { StoreHealth } from '../role-store/store-health';
import { LifecycleService } from './lifecycle.service';

const CHECK_TIMEOUT_MS = 1500;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(StoreHealth) private readonly store: StoreHealth,
    private readonly lifecycle: LifecycleService,
    private readonly viewer: ReadinessViewer,
  ) {}

  @Get('live')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Liveness', description: 'Answers 200 while the process runs; checks nothing else (orchestrator probe).' })
  @ApiOkResponse({ description: 'The process is running.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Readiness', description: 'Answers 200 when the database and Redis answer, else 503 naming what is down.' })
  @ApiOkResponse({ description: 'The database and (where configured) Redis answer.' })
  @ApiServiceUnavailableResponse({
    description: 'Something the service needs is down; the body names the failed checks (their errors only with an ops key).',
  })
  async ready(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Who may see the checks' errors (addresses, messages) is decided first: a failed key is throttled like any other.
    const detailed = await this.viewer.isOps(request);
    const checks: HealthIndicatorFunction[] = [() => this.db.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS)];
    if (this.store.kind === 'redis')
      checks.push(() =>
        this.indicators
          .check('redis')
          .attempt(() => this.store.ping())
          .withTimeout(CHECK_TIMEOUT_MS),
      );
    let status = 200;
    let result: Record<string, unknown>;
    try {
      result = await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      status = error.getStatus();
      result = error.getResponse() as Record<string, unknown>;
    }
    if (this.lifecycle.draining) {
      status = 503;
      result = { ...result, status: 'error', shuttingDown: true };
    }
    if (status !== 200) {
      const failed = Object.keys((result.error as Record<string, unknown> | undefined) ?? {});
      const what = this.lifecycle.draining ? ['the service is shutting down', ...failed] : failed;
      result = {
        ...result,
        error: 'DEPENDENCY_UNAVAILABLE',
        message: `Not ready: ${what.join(', ')} unavailable.`,
        failed,
        checks: result.error,
      };
    }
    await reply.status(status).send(detailed ? result : publicView(result));
  }
}

/** Without an ops key: the status and the names of the failed checks, never their errors (addresses, messages). */
function publicView(result: Record<string, unknown>): Record<string, unknown> {
  const { status, message, failed, shuttingDown } = result;
  const error = typeof result.error === 'string' ? result.error : undefined;
  const up = Object.keys((result.info as Record<string, unknown> | undefined) ?? {});
  const info = Object.fromEntries(up.map((name) => [name, { status: 'up' }]));
  return Object.fromEntries(Object.entries({ status, info, error, message, failed, shuttingDown }).filter(([, v]) => v !== undefined));
}
