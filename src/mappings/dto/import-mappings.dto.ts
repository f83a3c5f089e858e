import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import { ErrorDetailDto } from '../../common/errors/error-response';
import { ACCESS_STATES, type AccessState } from '../../domain/access.types';
import { EmployeeNumberField, MAX_IMPORT_ITEMS, PortalUserIdField, VpdField } from '../identifiers';

/** One row of a bulk import. Each row is validated on its own; a bad row is reported, not fatal. */
export class ImportEsrMappingRowDto {
  @PortalUserIdField()
  portalUserId!: string;

  @VpdField()
  vpd!: string;

  @EmployeeNumberField()
  employeeNumber!: string;
}

/**
 * Body of POST /v1/esr-mappings/import: 1 to 1,000 rows (and at most 1 MiB, this route's body limit).
 * Only the list itself is validated here; each row is checked separately and reported by index.
 */
export class ImportEsrMappingsDto {
  // The rows' schema constrains nothing on purpose: each row is checked on its own and a bad one is
  // reported in `errors` by index (gateway-api.md), so a schema-validating client or proxy must not
  // refuse the whole request for it. The rules a row must meet are in the descriptions.
  @ApiProperty({
    type: 'array',
    minItems: 1,
    maxItems: MAX_IMPORT_ITEMS,
    description:
      'Rows { portalUserId, vpd, employeeNumber }. Each row is validated on its own: a row that breaks a rule (or is ' +
      "not an object) is reported in the answer's errors by index and not written; the other rows still are.",
    items: {
      description: 'One mapping to create, checked like POST /v1/users/{portalUserId}/esr-mappings',
      example: { portalUserId: 'hiran.mistry@nhs.net', vpd: '979', employeeNumber: '30581377' },
      properties: {
        portalUserId: { description: 'Portal user id: 1-128 characters of A-Z a-z 0-9 . _ @ -' },
        vpd: { description: 'ESR VPD code (3 digits)' },
        employeeNumber: { description: 'ESR employee number (8 digits)' },
      },
    },
  })
  // Decorators run bottom-up and stop at the first failure: the type check must come last.
  @ArrayMaxSize(MAX_IMPORT_ITEMS, { message: `items must hold at most ${MAX_IMPORT_ITEMS} rows` })
  @ArrayMinSize(1, { message: 'items must hold at least one row' })
  @IsArray({ message: 'items must be a list of { portalUserId, vpd, employeeNumber }' })
  items!: unknown[];
}

export const IMPORT_ROW_ERRORS = [
  'VALIDATION_FAILED',
  'ESR_RECORD_MAPPED_TO_OTHER_USER',
  'ESR_USER_ALREADY_MAPPED_IN_VPD',
  'ESR_RECORD_NOT_FOUND',
  'VPD_NOT_SERVED',
  'FORBIDDEN',
] as const;
export type ImportRowErrorCode = (typeof IMPORT_ROW_ERRORS)[number];

export class ImportRowErrorDto {
  @ApiProperty({ description: 'Zero-based position of the row in `items`', example: 3 })
  index!: number;

  @ApiProperty({
    enum: IMPORT_ROW_ERRORS,
    description:
      'VALIDATION_FAILED: the row breaks a format rule, or its portal user would exceed the maximum number of ' +
      'mappings (see details). ESR_RECORD_MAPPED_TO_OTHER_USER: the VPD + employee number already belongs to another ' +
      'portal user (in the database, or in another row of this import for a different portal user: the first such row wins). ' +
      'ESR_USER_ALREADY_MAPPED_IN_VPD: the portal user already has another record in that VPD (in the database, or an ' +
      'earlier row of this import), named in the message and details. ESR_RECORD_NOT_FOUND: ESR has no record with that ' +
      'employee number in that VPD. VPD_NOT_SERVED: ESR does not list the VPD or this gateway does not serve it (no ESR call).',
  })
  error!: ImportRowErrorCode;

  @ApiProperty({ example: 'Please enter an employee number and vpd' })
  message!: string;

  @ApiPropertyOptional({
    type: [ErrorDetailDto],
    description: 'Per-field problems of a VALIDATION_FAILED row, or the record an ESR_USER_ALREADY_MAPPED_IN_VPD row collides with',
  })
  details?: ErrorDetailDto[];

  @ApiPropertyOptional({
    description: 'ESR_RECORD_MAPPED_TO_OTHER_USER because of another row of this import: the zero-based index of that row',
    example: 1,
  })
  relatedIndex?: number;
}

/** A row that was written but does not give Search ESR (yet): a leaver, a record without the role, not confirmed by ESR, ... */
export class ImportRowWarningDto {
  @ApiProperty({ description: 'Zero-based position of the row in `items`', example: 7 })
  index!: number;

  @ApiProperty({
    enum: ACCESS_STATES,
    description: "The mapping's access state right after the import, as GET /v1/users/{portalUserId}/esr-access would answer it",
    example: 'RECORD_INACTIVE',
  })
  state!: AccessState;

  @ApiProperty({ description: 'False when ESR has not confirmed the record yet (it is checked in the background)' })
  verified!: boolean;

  @ApiProperty({
    description: 'The reason sentence of the access endpoint',
    example: 'The ESR record 979 / 30581377 is not active (the person may have left). Search ESR stays off.',
  })
  reason!: string;
}

export class ImportEsrMappingsResultDto {
  @ApiProperty({ description: 'Rows written (each with a MAPPING_CREATED audit event)', example: 998 })
  created!: number;

  @ApiProperty({
    description:
      'Valid rows not written because the identical mapping (same portal user, VPD and employee number) already ' +
      'exists, or appears earlier in this import. Not errors: importing the same file twice is harmless.',
    example: 1,
  })
  skipped!: number;

  @ApiProperty({
    description:
      'Rows written without an ESR confirmation yet (ESR unavailable, slow, or not reached within the request deadline); ' +
      'they are checked in the background. Included in `created`.',
    example: 0,
  })
  unverified!: number;

  @ApiProperty({ type: [ImportRowErrorDto], description: 'Rows not written, by index (ascending)' })
  errors!: ImportRowErrorDto[];

  @ApiProperty({
    type: [ImportRowWarningDto],
    description:
      'Rows written (counted in `created`) whose mapping is neither ACTIVE nor PENDING_ACTIVATION, or not confirmed by ESR yet: ' +
      'the LSA should look at them (a leaver, a record without the role, ...). By index (ascending); empty when the access ' +
      'state could not be read just after the write.',
  })
  warnings!: ImportRowWarningDto[];
}
