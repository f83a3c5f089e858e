import { PageCursorField, PageLimitField } from '../../common/http/paging';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { VpdField } from '../../mappings/identifiers';
import { RECONCILIATION_KINDS, ReconciliationKind } from '../reconciliation-rows';

export const RECONCILIATION_DEFAULT_LIMIT = 100;
export const RECONCILIATION_MAX_LIMIT = 500;

export class VpdParamsDto {
  @VpdField()
  vpd!: string;
}

export class ReconciliationQueryDto {
  @ApiPropertyOptional({ enum: RECONCILIATION_KINDS, description: 'Only rows of this kind (counts always cover every kind)' })
  @IsOptional()
  @IsIn(RECONCILIATION_KINDS, { message: `kind must be one of ${RECONCILIATION_KINDS.join(', ')}` })
  kind?: ReconciliationKind;

  @PageCursorField(400)
  cursor?: string;

  @PageLimitField(RECONCILIATION_MAX_LIMIT, RECONCILIATION_DEFAULT_LIMIT)
  limit?: number;
}

export class ReconciliationCountsDto {
  @ApiProperty({ description: 'Role holders in ESR with no portal account mapped' }) unmappedHolders!: number;
  @ApiProperty() noRole!: number;
  @ApiProperty() inactive!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() unverified!: number;
  @ApiProperty({ description: 'Mappings giving access now (not listed as rows)' }) active!: number;
}

export class ReconciliationItemDto {
  @ApiProperty({
    enum: RECONCILIATION_KINDS,
    description:
      'UNMAPPED_HOLDER: ESR holds the role, no portal account is mapped to the record. NO_ROLE: a mapping whose record has no ' +
      'current role (or that ESR does not know). INACTIVE: the record is not active. PENDING: the role gives access from ' +
      'effectiveFrom. UNVERIFIED: ESR has not confirmed the record.',
  })
  kind!: ReconciliationKind;
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty({ example: '30581377' }) employeeNumber!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Null for UNMAPPED_HOLDER' }) portalUserId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Mr Jordan Ashworth',
    description:
      'The name ESR holds: for unmapped holders from the synced role data, for mappings from the last ESR person lookup ' +
      '(else the synced role data); null when ESR sent none',
  })
  displayName!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'UNMAPPED_HOLDER and PENDING: when the role became or becomes effective' })
  effectiveFrom!: string | null;
  @ApiProperty({ description: 'What it means and what to do, UK time' }) reason!: string;
}

export class ReconciliationPageDto {
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty() asOf!: string;
  @ApiProperty({ type: String, nullable: true, description: "The VPD's last successful sync; null when never synced" }) lastSyncedAt!:
    string | null;
  @ApiProperty({ type: ReconciliationCountsDto }) counts!: ReconciliationCountsDto;
  @ApiProperty({ type: [ReconciliationItemDto] }) items!: ReconciliationItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
