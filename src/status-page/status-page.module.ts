import { Module } from '@nestjs/common';
import { EsrClient } from '../esr/esr.client';
import { EsrModule } from '../esr/esr.module';
import { RoleSyncService } from '../sync/role-sync.service';
import { SyncModule } from '../sync/sync.module';
import { StatusPageController } from './status-page.controller';
import { StatusPageService } from './status-page.service';
import { ESR_BREAKER_SOURCE, SYNC_STATUS_SOURCE } from './status-page.sources';

/**
 * The read-only ops status page at /status (issue 15). Reads the sync status through
 * SYNC_STATUS_SOURCE (RoleSyncService.status, the ops API's answer) and the breaker through
 * ESR_BREAKER_SOURCE (EsrClient); WEBHOOK_BACKLOG_SOURCE is optional: bind it here to show the outbox.
 * The sign-in form's urlencoded body is parsed by the Fastify adapter's own parser.
 * Needs the global ConfigModule and CommonModule (Clock).
 */
@Module({
  imports: [SyncModule, EsrModule],
  controllers: [StatusPageController],
  providers: [
    StatusPageService,
    { provide: SYNC_STATUS_SOURCE, useExisting: RoleSyncService },
    { provide: ESR_BREAKER_SOURCE, useExisting: EsrClient },
  ],
})
export class StatusPageModule {}
