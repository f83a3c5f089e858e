import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { MappingCacheModule } from '../access/mapping-cache/mapping-cache.module';
import { EsrMapping } from './esr-mapping.entity';
import { MappingsController } from './mappings.controller';
import { MappingsService } from './mappings.service';

/** "Manage User": ESR mappings API. Exports MappingsService (access resolution reads mappings through it). */
@Module({
  imports: [TypeOrmModule.forFeature([EsrMapping]), AuditModule, MappingCacheModule],
  controllers: [MappingsController],
  providers: [MappingsService],
  exports: [MappingsService],
})
export class MappingsModule {}
