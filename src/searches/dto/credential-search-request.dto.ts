import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength, ValidationOptions, registerDecorator } from 'class-validator';
import {
  EARLIEST_DATE_OF_BIRTH,
  LAST_NAME_FORMAT,
  LAST_NAME_MAX_LENGTH,
  SEARCH_MESSAGES,
  isIssuableNiPrefix,
  isRealDate,
  normaliseLastName,
  normaliseNiNumber,
} from '../search-criteria';
import { ASSIGNMENT_NUMBER, EMPLOYEE_NUMBER, NI_NUMBER, VPD } from '../../domain/identifiers';

/**
 * LAST_NAME_FORMAT as the OpenAPI document states it: the same on ASCII (letters, then letters, space,
 * apostrophe, hyphen) and any non-ASCII character allowed, because \p{L} needs the regex `u` flag that
 * not every OpenAPI tool sets. The service still applies LAST_NAME_FORMAT itself.
 */
const LAST_NAME_DOCUMENTED = '^[^\\x00-\\x40\\x5b-\\x60\\x7b-\\x7f][^\\x00-\\x1f\\x21-\\x26\\x28-\\x2c\\x2e-\\x40\\x5b-\\x60\\x7b-\\x7f]*$';
/** A real YYYY-MM-DD date, not before 1900-01-01. (Whether it is in the past is checked with the Clock.) */
function IsPlausibleDateOfBirth(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPlausibleDateOfBirth',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: SEARCH_MESSAGES.dateOfBirth, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && isRealDate(value) && value >= EARLIEST_DATE_OF_BIRTH },
    });
}

/** An NI number whose prefix HMRC issues. */
function HasIssuableNiPrefix(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'hasIssuableNiPrefix',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: SEARCH_MESSAGES.niNumberPrefix, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && isIssuableNiPrefix(value) },
    });
}

const normalised = (fn: (value: string) => string) =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? fn(value) : value));

/**
 * Body of POST /v1/credential-searches: `vpd` plus exactly one kind of criteria, checked field by field
 * here and as a whole (exactly one kind, all three personal details together) by resolveCriteria before
 * anything else happens. Any other field is refused (whitelist + forbidNonWhitelisted).
 */
export class CredentialSearchRequestDto {
  @ApiProperty({
    description: 'The VPD to search in (the acting user must have ACTIVE access there)',
    example: '979',
    pattern: VPD.source,
  })
  @IsString({ message: SEARCH_MESSAGES.vpd })
  @Matches(VPD, { message: SEARCH_MESSAGES.vpd })
  vpd!: string;

  @ApiPropertyOptional({
    description: 'Search by ESR employee number (alone)',
    example: '30581377',
    pattern: EMPLOYEE_NUMBER.source,
  })
  @IsOptional()
  @IsString({ message: SEARCH_MESSAGES.employeeNumber })
  @Matches(EMPLOYEE_NUMBER, { message: SEARCH_MESSAGES.employeeNumber })
  employeeNumber?: string;

  @ApiPropertyOptional({
    description: 'Search by ESR assignment number (alone)',
    example: '30581377-2',
    pattern: ASSIGNMENT_NUMBER.source,
  })
  @IsOptional()
  @IsString({ message: SEARCH_MESSAGES.assignmentNumber })
  @Matches(ASSIGNMENT_NUMBER, { message: SEARCH_MESSAGES.assignmentNumber })
  assignmentNumber?: string;

  @ApiPropertyOptional({
    description: 'With dateOfBirth and niNumber: last name as ESR holds it (letters, spaces, apostrophes, hyphens)',
    example: 'Ashworth',
    minLength: 1,
    maxLength: LAST_NAME_MAX_LENGTH,
    pattern: LAST_NAME_DOCUMENTED,
  })
  @IsOptional()
  @normalised(normaliseLastName)
  @IsString({ message: SEARCH_MESSAGES.lastName })
  @MaxLength(LAST_NAME_MAX_LENGTH, { message: SEARCH_MESSAGES.lastName })
  @Matches(LAST_NAME_FORMAT, { message: SEARCH_MESSAGES.lastName })
  lastName?: string;

  @ApiPropertyOptional({
    description: `With lastName and niNumber: date of birth, a real date in the past, not before ${EARLIEST_DATE_OF_BIRTH}`,
    example: '1984-03-07',
    format: 'date',
  })
  @IsOptional()
  @IsString({ message: SEARCH_MESSAGES.dateOfBirth })
  @IsPlausibleDateOfBirth()
  dateOfBirth?: string;

  @ApiPropertyOptional({
    description: 'With lastName and dateOfBirth: National Insurance number; upper-cased and spaces removed before checking',
    example: 'AB123456C',
    pattern: NI_NUMBER.source,
  })
  @IsOptional()
  @normalised(normaliseNiNumber)
  // Decorators run bottom-up and stop at the first failure: the prefix is checked last.
  @HasIssuableNiPrefix()
  @Matches(NI_NUMBER, { message: SEARCH_MESSAGES.niNumber })
  @IsString({ message: SEARCH_MESSAGES.niNumber })
  niNumber?: string;
}

const searchField = (name: keyof CredentialSearchRequestDto) => ({
  $ref: `#/components/schemas/CredentialSearchRequestDto/properties/${name}`,
});
const searchMode = (title: string, description: string, fields: Array<keyof CredentialSearchRequestDto>) => ({
  title,
  description,
  type: 'object',
  additionalProperties: false,
  required: ['vpd', ...fields],
  properties: Object.fromEntries(['vpd' as const, ...fields].map((name) => [name, searchField(name)])),
});

/**
 * The body as the OpenAPI document states it: exactly one of the three modes (what resolveCriteria
 * enforces), each closed to other fields, so a generated client cannot build a body the service refuses.
 */
export const CREDENTIAL_SEARCH_BODY_SCHEMA = {
  oneOf: [
    searchMode('ByEmployeeNumber', 'Search by ESR employee number', ['employeeNumber']),
    searchMode('ByAssignmentNumber', 'Search by ESR assignment number', ['assignmentNumber']),
    searchMode('ByPersonalDetails', 'Search by last name, date of birth and NI number, all three', ['lastName', 'dateOfBirth', 'niNumber']),
  ],
};

export const CREDENTIAL_SEARCH_EXAMPLES = {
  byEmployeeNumber: { summary: 'By employee number', value: { vpd: '979', employeeNumber: '30581377' } },
  byAssignmentNumber: { summary: 'By assignment number', value: { vpd: '979', assignmentNumber: '30581377-2' } },
  byPersonalDetails: {
    summary: 'By last name, date of birth and NI number',
    value: { vpd: '979', lastName: 'Ashworth', dateOfBirth: '1984-03-07', niNumber: 'AB123456C' },
  },
};
