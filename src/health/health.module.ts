import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RoleStoreModule } from '../role-store/role-store.module';
import { HealthController } from './health.controller';
import { LifecycleService } from './lifecycle.service';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), RoleStoreModule],
  controllers: [HealthController],
  providers: [LifecycleService],
  exports: [LifecycleService],
})
export class HealthModule {}
