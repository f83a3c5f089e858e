import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SYNC_MODES } from './sync-requests.dto';
import { SYNC_STATES } from '../../domain/sync-state';

const RUN_STATES = ['queued', 'running', 'succeeded', 'failed', 'skipped', 'abandoned'] as const;
const VPD_OUTCOMES = ['succeeded', 'held', 'failed'] as const;

export class SyncLastRunDto {
  @ApiProperty({ example: '3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a' }) runId!: string;
  @ApiProperty({ enum: SYNC_MODES, example: 'incremental' }) mode!: (typeof SYNC_MODES)[number];
  @ApiProperty({ enum: VPD_OUTCOMES, example: 'succeeded' }) outcome!: (typeof VPD_OUTCOMES)[number];
  @ApiProperty({ example: 2, description: 'Role assignments added to the cache' }) added!: number;
  @ApiProperty({ example: 1, description: 'Role assignments whose content changed' }) updated!: number;
  @ApiProperty({ example: 0, description: 'Role assignments removed from the cache' }) removed!: number;
  @ApiProperty({ example: 0, description: 'Removals held back by the removal guard' }) held!: number;
  @ApiProperty({ example: 412 }) durationMs!: number;
  @ApiProperty({ example: '2026-11-25T10:15:00.412Z' }) finishedAt!: string;
}

export class SyncProgressDto {
  @ApiProperty({ example: '3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a' }) runId!: string;
  @ApiProperty({ enum: SYNC_MODES, example: 'full' }) mode!: (typeof SYNC_MODES)[number];
  @ApiProperty({ enum: ['listing', 'changes', 'comparing', 'switching'], example: 'listing' }) phase!: string;
  @ApiProperty({ example: 12000, description: 'Assignments (full) or changes (incremental) read from ESR so far' }) processed!: number;
  @ApiProperty({ example: 24 }) pages!: number;
  @ApiProperty({ example: '2026-11-25T02:30:00.000Z' }) startedAt!: string;
}

export class SyncStatusVpdDto {
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty({
    enum: SYNC_STATES,
    example: 'IDLE',
    description: 'RUNNING, else FAILED (last attempt failed), else HELD (removals wait for ops), else IDLE',
  })
  state!: (typeof SYNC_STATES)[number];
  @ApiProperty({ type: String, nullable: true, example: '2026-11-25T10:15:00.000Z' }) lastAttemptAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2026-11-25T10:15:00.412Z' }) lastSuccessAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2026-11-25T02:30:41.000Z' }) lastFullSyncAt!: string | null;
  @ApiProperty({ example: 0 }) consecutiveFailures!: number;
  @ApiProperty({ example: 140, description: 'Role assignments in the cache (current, future-dated and held)' }) holders!: number;
  @ApiProperty({ example: 138, description: 'Distinct employee numbers among them' }) people!: number;
  @ApiProperty({ example: 131, description: 'Assignments that count now (active person, inside the window)' }) active!: number;
  @ApiProperty({ example: 3, description: 'Assignments of active people not effective yet (activation delay or start date ahead)' })
  pending!: number;
  @ApiProperty({ type: SyncLastRunDto, nullable: true }) lastRun!: SyncLastRunDto | null;
  @ApiProperty({ type: SyncProgressDto, nullable: true, description: 'Live progress while RUNNING' }) progress!: SyncProgressDto | null;
  @ApiProperty({ example: 0, description: 'Removals held by the removal guard' }) heldRemovals!: number;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'When the removals began to wait (an unbroken hold)' })
  heldSince!: string | null;
  @ApiProperty({
    type: SyncLastRunDto,
    nullable: true,
    description: "The run that held them (full or incremental; later runs' removals join an unbroken hold); null when nothing is held",
  })
  heldRun!: SyncLastRunDto | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Error code of the last failed attempt' }) lastError!:
    string | null;
}

export class SyncStatusDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'gateway-7d9f-abcde:1:1a2b3c4d',
    description: 'The replica holding the sync lease now',
  })
  leader!: string | null;
  @ApiProperty({ type: [SyncStatusVpdDto] }) vpds!: SyncStatusVpdDto[];
}

export class SyncRunAcceptedDto {
  @ApiProperty({ enum: ['accepted'], example: 'accepted', description: 'Tells this answer from a dry run (kind: dryRun)' })
  kind!: 'accepted';
  @ApiProperty({ example: '3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a', description: 'Read its state at GET /v1/sync/runs/{runId}' })
  runId!: string;
}

export class DryRunItemDto {
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty({ example: 'sra-979-g42' }) assignmentId!: string;
  @ApiProperty({ example: '30581377' }) employeeNumber!: string;
}

export class DryRunCountsDto {
  @ApiProperty({ example: 2 }) added!: number;
  @ApiProperty({ example: 1 }) updated!: number;
  @ApiProperty({ example: 0 }) removed!: number;
}

export class DryRunVpdDto extends DryRunCountsDto {
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty({ enum: SYNC_MODES, example: 'incremental', description: 'The mode the run would use for this VPD' })
  mode!: (typeof SYNC_MODES)[number];
  @ApiProperty({ example: false, description: 'The run would hold these removals (removal guard, full and incremental runs alike)' })
  wouldHoldRemovals!: boolean;
  @ApiPropertyOptional({ example: 'WATERMARK_EXPIRED', description: 'Why a full listing is used' }) reason?: string;
}

export class SyncDryRunDto {
  @ApiProperty({ enum: ['dryRun'], example: 'dryRun', description: 'Tells this answer from a started run (kind: accepted)' })
  kind!: 'dryRun';
  @ApiProperty({ enum: SYNC_MODES, example: 'incremental' }) mode!: (typeof SYNC_MODES)[number];
  @ApiProperty({ type: [DryRunItemDto], description: 'Assignments a run would add (at most 1,000 listed)' }) added!: DryRunItemDto[];
  @ApiProperty({ type: [DryRunItemDto], description: 'Assignments whose content would change (at most 1,000 listed)' })
  updated!: DryRunItemDto[];
  @ApiProperty({ type: [DryRunItemDto], description: 'Assignments a run would remove (at most 1,000 listed)' }) removed!: DryRunItemDto[];
  @ApiProperty({ type: DryRunCountsDto, description: 'Complete counts' }) counts!: DryRunCountsDto;
  @ApiProperty({ example: false, description: 'True when a list stops short of its count' }) truncated!: boolean;
  @ApiProperty({ type: [DryRunVpdDto] }) vpds!: DryRunVpdDto[];
}

export class SyncRunVpdResultDto {
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty({ enum: SYNC_MODES, example: 'full' }) mode!: (typeof SYNC_MODES)[number];
  @ApiProperty({ enum: VPD_OUTCOMES, example: 'succeeded' }) status!: (typeof VPD_OUTCOMES)[number];
  @ApiProperty({ example: 3 }) added!: number;
  @ApiProperty({ example: 0 }) updated!: number;
  @ApiProperty({ example: 1 }) removed!: number;
  @ApiProperty({ example: 0 }) held!: number;
  @ApiProperty({ example: 1830 }) durationMs!: number;
  @ApiPropertyOptional({ example: 'WATERMARK_EXPIRED', description: 'Why a full listing was used, or why removals were held' })
  reason?: string;
  @ApiPropertyOptional({ example: 'ESR_UNAVAILABLE', description: 'Error code when status is failed' }) error?: string;
}

export class SyncRunProgressDto {
  @ApiProperty({ example: 3 }) vpdsTotal!: number;
  @ApiProperty({ example: 1 }) vpdsDone!: number;
  @ApiProperty({ type: String, nullable: true, example: '979' }) currentVpd!: string | null;
  @ApiProperty({ example: 1200, description: 'Items read from ESR so far' }) processed!: number;
}

export class SyncRunDto {
  @ApiProperty({ example: '3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a' }) runId!: string;
  @ApiProperty({ enum: ['api', 'schedule', 'startup'], example: 'api' }) trigger!: string;
  @ApiProperty({ enum: SYNC_MODES, example: 'full' }) mode!: (typeof SYNC_MODES)[number];
  @ApiProperty({ type: String, nullable: true, example: '979', description: 'The VPD asked for; null for all' }) vpd!: string | null;
  @ApiProperty({
    enum: RUN_STATES,
    example: 'succeeded',
    description: 'skipped: another run held the sync lease; abandoned: its replica died and its lease expired (finishedAt is then set)',
  })
  state!: (typeof RUN_STATES)[number];
  @ApiProperty({ example: '2026-11-25T10:15:00.000Z' }) requestedAt!: string;
  @ApiProperty({ type: String, nullable: true, example: '2026-11-25T10:15:00.010Z' }) startedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2026-11-25T10:15:02.000Z' }) finishedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'gateway-7d9f-abcde:1:1a2b3c4d', description: 'The replica that ran it' }) holder!:
    string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '2026-11-25T10:15:01.000Z',
    description: 'When the running replica last renewed its lease',
  })
  heartbeatAt?: string | null;
  @ApiProperty({ type: SyncRunProgressDto }) progress!: SyncRunProgressDto;
  @ApiProperty({ type: [SyncRunVpdResultDto], description: 'Result per VPD done so far' }) vpds!: SyncRunVpdResultDto[];
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why the run was skipped or failed as a whole' }) reason!:
    string | null;
}

export class HeldRemovalsDecisionDto {
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty({ enum: ['approved', 'rejected'], example: 'approved' }) decision!: 'approved' | 'rejected';
  @ApiProperty({ example: 12, description: 'Removals that were held' }) count!: number;
  @ApiProperty({ example: 12, description: 'Rows removed from the cache (0 on reject: the rows stay)' }) removed!: number;
  @ApiProperty({ type: String, nullable: true, example: '3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a', description: 'The run that held them' })
  heldRunId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2026-11-25T10:15:00.412Z', description: 'Since when they were held' })
  heldSince!: string | null;
}
