import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { MappingCacheModule } from '../mapping-cache/mapping-cache.module';
import { AccessEventsModule } from '../access-events/access-events.module';
import { AccessResolverModule } from '../access/access-resolver';
import { EsrModule } from '../esr/esr.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { EsrMapping } from './esr-mapping.entity';
import { EsrRecordChecker } from './esr-record-checker';
import { MappingVerifier } from './mapping-verifier';
import { MappingsController } from './mappings.controller';
import { MappingsService } from './mappings.service';

/**
 * "Manage User": ESR mappings API, checked against ESR when saved. Exports MappingsService (the one
 * writer of mappings; access resolution reads through it) and MappingVerifier (background checks).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([EsrMapping]),
    AuditModule,
    EsrModule,
    AccessResolverModule,
    AccessEventsModule,
    MappingCacheModule,
    RoleStoreModule,
  ],
  controllers: [MappingsController],
  providers: [MappingsService, EsrRecordChecker, MappingVerifier],
  exports: [MappingsService, MappingVerifier],
})
export class MappingsModule {}
