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
import { MappingCheckQueue } from './mapping-check-queue';
import { MappingImportService } from './mapping-import.service';
import { MappingMirrorHold } from './mapping-mirror-hold';
import { MappingVerifier } from './mapping-verifier';
import { MappingsController } from './mappings.controller';
import { MappingsService } from './mappings.service';

/**
 * "Manage User": ESR mappings API, checked against ESR when saved. Mappings are written only here,
 * holding the mapping mirror around each write (MappingMirrorHold): MappingsService (adds and
 * deletes; access resolution, reconciliation and the access monitor read through it),
 * MappingImportService (the bulk import) and MappingCheckQueue (ESR check results and the check
 * queue). Exports MappingsService, MappingCheckQueue (the access monitor requeues a VPD's
 * unverified mappings) and MappingVerifier (background checks).
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
  providers: [MappingsService, MappingImportService, MappingCheckQueue, MappingMirrorHold, EsrRecordChecker, MappingVerifier],
  exports: [MappingsService, MappingCheckQueue, MappingVerifier],
})
export class MappingsModule {}
