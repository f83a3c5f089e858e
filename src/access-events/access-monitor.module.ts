import { DynamicModule, Module, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessVpdMark, AccessWatch } from '../database/access-watch.entity';
import { JobsModule } from '../jobs/jobs.module';
import { RoleStoreModule } from '../role-store/role-store.module';
import { AccessEventsModule } from './access-events.module';
import { AccessMonitor } from './access-monitor.service';

/**
 * The access monitor (an exclusive job: role data and time changes, the mappings' background checks).
 * Its mappings come through MAPPED_USERS_SOURCE and MAPPING_CHECKS_SOURCE (access-monitor.sources.ts),
 * bound by the module the importer names (MappingsModule), so access-change detection never imports
 * the mappings folder. Exports AccessMonitor; whoever schedules it imports this.
 */
@Module({})
export class AccessMonitorModule {
  static withSources(sources: Type): DynamicModule {
    return {
      module: AccessMonitorModule,
      imports: [TypeOrmModule.forFeature([AccessWatch, AccessVpdMark]), AccessEventsModule, JobsModule, RoleStoreModule, sources],
      providers: [AccessMonitor],
      exports: [AccessMonitor],
    };
  }
}
