import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { MappingsModule } from '../mappings/mappings.module';
import { MappingCacheCheck } from './mapping-cache.check';
import { MappingCacheModule } from './mapping-cache.module';

/**
 * The mapping mirror's periodic consistency check (a job), beside MappingCacheModule rather than in
 * it: the check reads the mappings from the database, and MappingsModule imports MappingCacheModule.
 */
@Module({
  imports: [JobsModule, MappingCacheModule, MappingsModule],
  providers: [MappingCacheCheck],
  exports: [MappingCacheCheck],
})
export class MappingCacheCheckModule {}
