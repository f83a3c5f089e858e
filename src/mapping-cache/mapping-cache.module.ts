import { Module } from '@nestjs/common';
import { RedisRoleStore } from '../role-store/redis-role.store';
import { RoleStore } from '../role-store/role-store';
import { RoleStoreModule } from '../role-store/role-store.module';
import { MappingCache } from './mapping-cache';
import { MappingCacheMetrics } from './mapping-cache.metrics';
import { MemoryMappingCache } from './memory-mapping-cache';
import { RedisMappingCache } from './redis-mapping-cache';

/**
 * The mapping mirror beside the role data: on the role store's Redis connection when REDIS_URL is
 * set, else in-process, and its metrics. Imported by MappingsModule (writes hold and release it),
 * AccessModule (reads) and MappingCacheCheckModule (the periodic consistency check).
 */
@Module({
  imports: [RoleStoreModule],
  providers: [
    MappingCacheMetrics,
    {
      provide: MappingCache,
      inject: [RoleStore],
      useFactory: (store: RoleStore): MappingCache =>
        store instanceof RedisRoleStore
          ? new RedisMappingCache(store.redis, store.keyPrefix)
          : new MemoryMappingCache((keys) => store.readAccess(keys)),
    },
  ],
  exports: [MappingCache, MappingCacheMetrics],
})
export class MappingCacheModule {}
