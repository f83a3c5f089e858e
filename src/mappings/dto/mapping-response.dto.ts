import { ApiProperty } from '@nestjs/swagger';

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
}

export class EsrMappingListDto {
  @ApiProperty({ example: 'hiran.mistry@nhs.net' })
  portalUserId!: string;

  @ApiProperty({ type: [EsrMappingDto], description: 'Oldest first; empty when the user has none' })
  items!: EsrMappingDto[];
}
