import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { MappingsModule } from './mappings.module';
import { MappingCacheCheck } from './mapping-cache-check';
import { MappingCacheModule } from '../mapping-cache/mapping-cache.module';

/**
 * The mapping mirror's periodic consistency check (a job), beside the mappings it compares the mirror
 * with (the database is the truth); the mirror itself (src/mapping-cache/) knows nothing of mappings.
 */
@Module({
  imports: [JobsModule, MappingCacheModule, MappingsModule],
  providers: [MappingCacheCheck],
  exports: [MappingCacheCheck],
})
export class MappingCacheCheckModule {}
