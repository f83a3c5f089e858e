import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RoleStoreModule } from '../role-store/role-store.module';
import { HealthController } from './health.controller';
import { LifecycleService } from './lifecycle.service';

/** GET /health/live and /health/ready; LifecycleService turns readiness 503 once shutdown begins (app.factory, main). */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), RoleStoreModule],
  controllers: [HealthController],
  providers: [LifecycleService],
  exports: [LifecycleService],
})
export class HealthModule {}
