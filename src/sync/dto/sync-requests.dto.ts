import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { VPD } from '../../domain/identifiers';

export const SYNC_MODES = ['incremental', 'full'] as const;

/** Body of POST /v1/sync/runs. */
export class CreateSyncRunDto {
  @ApiPropertyOptional({
    description: 'One VPD (3 digits); omit for every VPD the gateway serves',
    example: '979',
    pattern: VPD.source,
  })
  @IsOptional()
  @IsString({ message: 'vpd must be 3 digits' })
  @Matches(VPD, { message: 'vpd must be 3 digits' })
  vpd?: string;

  @ApiProperty({
    enum: SYNC_MODES,
    example: 'incremental',
    description: 'incremental: changes since the stored watermark (a full run where a VPD was never synced); full: the whole listing',
  })
  @IsIn(SYNC_MODES, { message: 'mode must be incremental or full' })
  mode!: (typeof SYNC_MODES)[number];

  @ApiPropertyOptional({ description: 'List what the run would change and write nothing (answers 200 instead of 202)', default: false })
  @IsOptional()
  @IsBoolean({ message: 'dryRun must be true or false' })
  dryRun?: boolean;
}

/** Path: /v1/sync/runs/{runId} */
export class SyncRunParamsDto {
  @ApiProperty({ description: 'Run id from POST /v1/sync/runs', example: '3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a', format: 'uuid' })
  @IsUUID('4', { message: 'runId must be a run id (UUID)' })
  runId!: string;
}

/** Path: /v1/sync/vpds/{vpd}/... */
export class SyncVpdParamsDto {
  @ApiProperty({ description: 'ESR VPD code (3 digits)', example: '979', pattern: VPD.source })
  @IsString({ message: 'vpd must be 3 digits' })
  @Matches(VPD, { message: 'vpd must be 3 digits' })
  vpd!: string;
}
