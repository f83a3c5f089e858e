import { Module } from '@nestjs/common';
import { RedisConnection } from '../role-store/redis-connection';
import { RoleReads } from '../role-store/role-reads';
import { RoleStoreModule } from '../role-store/role-store.module';
import { AccessSettings } from '../config/settings/access.settings';
import { MappingCache } from './mapping-cache';
import { MappingCacheMetrics } from './mapping-cache.metrics';
import { MemoryMappingCache } from './memory-mapping-cache';
import { RedisMappingCache } from './redis-mapping-cache';

/**
 * The mapping mirror beside the role data: on the stores' Redis connection (and key space) when
 * REDIS_URL is set, else in-process, reading the role data through RoleReads; and its metrics.
 * Imported by MappingsModule (writes hold and release it), AccessModule (reads) and
 * MappingCacheCheckModule (the periodic consistency check, in src/mappings/).
 */
@Module({
  imports: [RoleStoreModule],
  providers: [
    MappingCacheMetrics,
    {
      provide: MappingCache,
      inject: [RedisConnection, RoleReads, AccessSettings],
      useFactory: (redis: RedisConnection | null, reads: RoleReads, settings: AccessSettings): MappingCache =>
        redis
          ? new RedisMappingCache(redis, settings.mappingCacheNegatives)
          : new MemoryMappingCache(reads, undefined, settings.mappingCacheNegatives),
    },
  ],
  exports: [MappingCache, MappingCacheMetrics],
})
export class MappingCacheModule {}
