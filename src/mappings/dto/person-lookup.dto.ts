import { ApiProperty } from '@nestjs/swagger';
import { EmployeeNumberField, VpdField } from '../identifiers';

/** Path: /v1/vpds/{vpd}/people/{employeeNumber} */
export class PersonLookupParamsDto {
  @VpdField()
  vpd!: string;

  @EmployeeNumberField()
  employeeNumber!: string;
}

/** Whether the record holds the role, from the synced role data. */
export class PersonLookupRoleDto {
  @ApiProperty({ description: 'The record holds the role now or from a date ahead (it gives, or will give, access once mapped)' })
  held!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'ISO-8601 UTC: when the role gives access',
    example: '2026-11-26T10:12:00.000Z',
  })
  effectiveFrom!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'ISO-8601 UTC: when it stops (null: open-ended or not held)' })
  effectiveUntil!: string | null;
}

/** GET /v1/vpds/{vpd}/people/{employeeNumber}: what an LSA checks before saving a mapping. */
export class PersonLookupDto {
  @ApiProperty({ example: '979' })
  vpd!: string;

  @ApiProperty({ example: '30581377' })
  employeeNumber!: string;

  @ApiProperty({ description: 'Title, first and last name as ESR holds them', example: 'Mr Hiran Mistry' })
  displayName!: string;

  @ApiProperty({ description: 'The ESR record is active (an employee with an active assignment)' })
  active!: boolean;

  @ApiProperty({
    type: PersonLookupRoleDto,
    nullable: true,
    description: 'From the synced role data; null when the VPD has not been synced or its data is too old to say',
  })
  role!: PersonLookupRoleDto | null;

  @ApiProperty({ type: String, nullable: true, description: 'The portal user this record is mapped to, if any', example: null })
  mappedTo!: string | null;
}
