import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { RoleStoreModule } from '../role-store/role-store.module';
import { JobRunner } from './job-runner';
import { JobScheduler } from './job-scheduler';
import { JobsMetrics } from './jobs.metrics';
import { JobsShutdown } from './jobs-shutdown';
import { ReplicaId } from './replica-id';

/** What running background work needs, for modules and tests that wire providers by hand. */
export const JOB_PROVIDERS = [ReplicaId, JobsShutdown, JobsMetrics, JobRunner];

/**
 * The one home of background work: JobRunner (exclusive or shared runs, with their metrics),
 * JobScheduler (intervals and UK-time cron jobs), ReplicaId (this replica's holder id) and
 * JobsShutdown. Wraps ScheduleModule.forRoot() once; imported by every module that schedules
 * (sync, audit, webhooks, mapping cache).
 */
@Module({
  imports: [ScheduleModule.forRoot(), RoleStoreModule],
  providers: [...JOB_PROVIDERS, JobScheduler],
  exports: [...JOB_PROVIDERS, JobScheduler],
})
export class JobsModule {}
