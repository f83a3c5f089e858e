import { ApiProperty } from '@nestjs/swagger';
import { ACCESS_STATES, AccessState } from '../../domain/access.types';

/** One "Manage User" row. */
export class EsrMappingDto {
  @ApiProperty({ example: 'hiran.mistry@nhs.net' })
  portalUserId!: string;

  @ApiProperty({ example: '979' })
  vpd!: string;

  @ApiProperty({ example: '30581377' })
  employeeNumber!: string;

  @ApiProperty({ description: 'ISO-8601 UTC', example: '2026-11-25T10:12:00.000Z' })
  createdAt!: string;

  @ApiProperty({ description: 'X-Acting-User of the call that added it', example: 'lsa.user@nhs.net' })
  createdBy!: string;

  @ApiProperty({
    description:
      'ESR has confirmed the record exists in that VPD (a person lookup, or the record holds the role in the synced data). ' +
      'False while a check is outstanding (ESR was unavailable or slow) or when ESR did not know the record.',
    example: true,
  })
  verified!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Title, first and last name as ESR holds them, from the last person lookup (never an ESR call per row); null when not known',
    example: 'Mr Hiran Mistry',
  })
  displayName!: string | null;
}

export class EsrMappingListDto {
  @ApiProperty({ example: 'hiran.mistry@nhs.net' })
  portalUserId!: string;

  @ApiProperty({ type: [EsrMappingDto], description: 'Oldest first; empty when the user has none' })
  items!: EsrMappingDto[];
}

export class EsrPersonDto {
  @ApiProperty({ example: 'Mr Hiran Mistry', description: 'Title, first and last name as ESR holds them' })
  displayName!: string;
}

export class MappingAccessSummaryDto {
  @ApiProperty({ enum: ACCESS_STATES, example: 'PENDING_ACTIVATION' })
  state!: AccessState;

  @ApiProperty({
    example:
      'Role Digital Passport Administrator was assigned in ESR on 25 Nov 2026 at 10:12; Search ESR becomes available 24 hours later, on 26 Nov 2026 at 10:12 (UK time).',
  })
  reason!: string;
}

/** The 201 answer of a save: the row, who ESR says it is, and what access it gives now. */
export class CreatedEsrMappingDto extends EsrMappingDto {
  @ApiProperty({
    type: EsrPersonDto,
    nullable: true,
    description:
      'Who ESR says the record is, so the LSA can see it is the right person; null when ESR could not be asked (verified: false)',
  })
  esrPerson!: EsrPersonDto | null;

  @ApiProperty({ type: MappingAccessSummaryDto, description: "This mapping's access state and reason right after the save" })
  access!: MappingAccessSummaryDto;
}

export class DeletedMappingsDto {
  @ApiProperty({ description: 'Mappings removed (each with a MAPPING_DELETED audit event)', example: 2 })
  deleted!: number;
}
