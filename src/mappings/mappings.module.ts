import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { MappingCacheModule } from '../mapping-cache/mapping-cache.module';
import { AccessEventsModule } from '../access-events/access-events.module';
import { MAPPED_USERS_SOURCE, MAPPING_CHECKS_SOURCE, MappingChecksSource } from '../access-events/access-monitor.sources';
import { AccessResolverModule } from '../access-policy/access-resolver.module';
import { EsrModule } from '../esr/esr.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { SyncModule } from '../sync/sync.module';
import { EsrMapping } from '../database/esr-mapping.entity';
import { EsrRecordChecker } from './esr-record-checker';
import { LookupBudget } from './lookup-budget';
import { MappingCheckQueue } from './mapping-check-queue';
import { MappingImportService } from './mapping-import.service';
import { MappingMirrorHold } from './mapping-mirror-hold';
import { MappingSaveCheck } from './mapping-save-check';
import { MappingVerifier } from './mapping-verifier';
import { MappingsController } from './mappings.controller';
import { MappingsService } from './mappings.service';
import { PeopleLookupController } from './people-lookup.controller';
import { PeopleLookupService } from './people-lookup.service';
import { ServedVpdCheck } from './served-vpd-check';

/** The access monitor's view of the mapping checks: the queue's requeue and the verifier's pass. */
function mappingChecks(queue: MappingCheckQueue, verifier: MappingVerifier): MappingChecksSource {
  return { requeueUnverified: (vpd) => queue.requeueUnverified(vpd), verifyDue: () => verifier.verifyDue() };
}

/**
 * "Manage User": ESR mappings API, checked against ESR when saved. Mappings are written only here,
 * holding the mapping mirror around each write (MappingMirrorHold): MappingsService (adds and
 * deletes; access resolution, reconciliation and the access monitor read through it),
 * MappingImportService (the bulk import) and MappingCheckQueue (ESR check results and the check
 * queue), PeopleLookupService (the look-up before saving) and the checks they share (ServedVpdCheck,
 * LookupBudget, MappingSaveCheck: the save also refreshes the person's role rows through the sync's
 * RecordRefresher). Exports MappingsService, MappingVerifier (an access refresh checks now),
 * ServedVpdCheck (reconciliation refuses a VPD not served) and the access
 * monitor's two ports (MAPPED_USERS_SOURCE, MAPPING_CHECKS_SOURCE: a VPD's requeue and the
 * background verification pass), bound here.
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
    RateLimitsModule,
    SyncModule,
  ],
  controllers: [MappingsController, PeopleLookupController],
  providers: [
    MappingsService,
    MappingImportService,
    MappingCheckQueue,
    MappingMirrorHold,
    EsrRecordChecker,
    MappingVerifier,
    ServedVpdCheck,
    LookupBudget,
    MappingSaveCheck,
    PeopleLookupService,
    { provide: MAPPED_USERS_SOURCE, useExisting: MappingsService },
    { provide: MAPPING_CHECKS_SOURCE, inject: [MappingCheckQueue, MappingVerifier], useFactory: mappingChecks },
  ],
  exports: [MappingsService, MappingVerifier, ServedVpdCheck, MAPPED_USERS_SOURCE, MAPPING_CHECKS_SOURCE],
})
export class MappingsModule {}
