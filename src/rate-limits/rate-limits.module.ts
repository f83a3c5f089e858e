import { Module } from '@nestjs/common';
import { RoleStoreModule } from '../role-store/role-store.module';
import { CallerRateLimiter } from './caller-rate-limiter';

/** Per-caller rate limits (CallerRateLimiter) over the shared rate counter of RoleStoreModule. */
@Module({
  imports: [RoleStoreModule],
  providers: [CallerRateLimiter],
  exports: [CallerRateLimiter],
})
export class RateLimitsModule {}
