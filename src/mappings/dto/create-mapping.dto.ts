import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { EMPLOYEE_NUMBER, IDENTIFIER_MESSAGES, VPD } from '../identifiers';

/**
 * Body of POST /v1/users/{portalUserId}/esr-mappings. Either field missing or empty: 422 "Please
 * enter an employee number and vpd"; a bad format: 422 naming the field; any other field: 422.
 */
export class CreateEsrMappingDto {
  @ApiProperty({ description: 'ESR VPD code (3 digits)', example: '979', pattern: VPD.source })
  @IsString({ message: IDENTIFIER_MESSAGES.vpd })
  @Matches(VPD, { message: IDENTIFIER_MESSAGES.vpd })
  vpd!: string;

  @ApiProperty({ description: 'ESR employee number (8 digits)', example: '30581377', pattern: EMPLOYEE_NUMBER.source })
  @IsString({ message: IDENTIFIER_MESSAGES.employeeNumber })
  @Matches(EMPLOYEE_NUMBER, { message: IDENTIFIER_MESSAGES.employeeNumber })
  employeeNumber!: string;
}
