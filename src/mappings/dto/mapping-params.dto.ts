import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { EMPLOYEE_NUMBER, IDENTIFIER_MESSAGES, PORTAL_USER_ID, VPD } from '../identifiers';

/** Path: /v1/users/{portalUserId}/... */
export class PortalUserParamsDto {
  @ApiProperty({
    description: 'Portal user id: 1-128 characters of A-Z a-z 0-9 . _ @ -',
    example: 'hiran.mistry@nhs.net',
    pattern: PORTAL_USER_ID.source,
  })
  @IsString({ message: IDENTIFIER_MESSAGES.portalUserId })
  @Matches(PORTAL_USER_ID, { message: IDENTIFIER_MESSAGES.portalUserId })
  portalUserId!: string;
}

/** Path: /v1/users/{portalUserId}/esr-mappings/{vpd}/{employeeNumber} */
export class MappingParamsDto extends PortalUserParamsDto {
  @ApiProperty({ description: 'ESR VPD code (3 digits)', example: '979', pattern: VPD.source })
  @IsString({ message: IDENTIFIER_MESSAGES.vpd })
  @Matches(VPD, { message: IDENTIFIER_MESSAGES.vpd })
  vpd!: string;

  @ApiProperty({ description: 'ESR employee number (8 digits)', example: '30581377', pattern: EMPLOYEE_NUMBER.source })
  @IsString({ message: IDENTIFIER_MESSAGES.employeeNumber })
  @Matches(EMPLOYEE_NUMBER, { message: IDENTIFIER_MESSAGES.employeeNumber })
  employeeNumber!: string;
}
