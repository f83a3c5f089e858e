import { Controller, Get, Header, HttpException, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth/auth.decorators';
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
  @ApiServiceUnavailableResponse({ description: 'Something the service needs is down; the body names it.' })
  async ready(@Res() reply: FastifyReply): Promise<void> {
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
    await reply.status(status).send(result);
  }
}
