import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/*
 * What a credential search answers. Every value is ESR's own: statuses and dates are passed through as
 * ESR holds them (dates YYYY-MM-DD, UK local), nullable where ESR may leave them out, and nothing is
 * made up (an employment check ESR does not hold is null, never a guessed status).
 */

const PERSON_TYPES = ['EMP', 'EX_EMP', 'APL', 'OTHER'];
const CHECK_STATUSES = ['VERIFIED', 'PENDING', 'EXPIRED', 'NOT_CHECKED'];
const DBS_LEVELS = ['BASIC', 'STANDARD', 'ENHANCED', 'ENHANCED_WITH_BARRED_LISTS'];
const BARRED_LISTS = ['ADULTS', 'CHILDREN'];

export class PersonMatchDto {
  @ApiProperty({ example: '30581377' }) employeeNumber!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Mr' }) title!: string | null;
  @ApiProperty({ example: 'Jordan' }) firstName!: string;
  @ApiProperty({ example: 'Ashworth' }) lastName!: string;
  @ApiProperty({ example: '1984-03-07', format: 'date' }) dateOfBirth!: string;
  @ApiProperty({ enum: PERSON_TYPES, description: 'EMP employee, EX_EMP ex-employee, APL applicant, OTHER' }) systemPersonType!: string;
  @ApiProperty({ type: String, nullable: true, example: '30581377' }) primaryAssignmentNumber!: string | null;
}

export class CredentialSourceDto {
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty({ example: '30581377' }) employeeNumber!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    example: '2026-11-25T02:00:00+00:00',
    description:
      "When ESR's overnight extract behind this record was taken, from ESR's X-ESR-Extract-Date header on the person's record; null only when ESR did not send it",
  })
  extractDate!: string | null;
  @ApiProperty({ format: 'date-time', description: 'When the gateway read the record from ESR' }) retrievedAt!: string;
}

export class EmploymentDto {
  @ApiProperty({ example: '30581377-2' }) assignmentNumber!: string;
  @ApiProperty() primary!: boolean;
  @ApiProperty({ enum: ['ACTIVE', 'SUSPENDED', 'TERMINATED'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Staff Nurse - Ward 7' }) positionName!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Staff Nurse' }) jobRole!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Nursing and Midwifery Registered' }) staffGroup!: string | null;
  @ApiProperty({ type: String, nullable: true }) organisationName!: string | null;
  @ApiProperty({ format: 'date', description: "ESR's effective start date of the assignment" }) startDate!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date', description: "ESR's effective end date (inclusive); null when open-ended" })
  endDate!: string | null;
}

/** One of ESR's employment checks (identity, right to work, DBS, ...), as ESR holds it. */
export class EmploymentCheckDto {
  @ApiProperty({ enum: CHECK_STATUSES }) status!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) checkedDate!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) expiryDate!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'e.g. a DBS certificate number or visa reference' }) reference!: string | null;
}

/** ESR's DBS check, with the certificate's level, barred lists and Update Service subscription (ESR 1.1.0). */
export class DbsCheckDto extends EmploymentCheckDto {
  @ApiProperty({
    type: String,
    enum: DBS_LEVELS,
    nullable: true,
    description: 'Level of the DBS certificate as ESR holds it; null when ESR does not say',
    example: 'ENHANCED_WITH_BARRED_LISTS',
  })
  level!: string | null;

  @ApiProperty({
    type: [String],
    enum: BARRED_LISTS,
    nullable: true,
    description: 'The barred lists checked (ADULTS, CHILDREN); null when ESR does not say',
    example: ['ADULTS', 'CHILDREN'],
  })
  barredLists!: string[] | null;

  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'Whether the certificate is subscribed to the DBS Update Service; null when ESR does not say',
  })
  updateService!: boolean | null;
}

/** ESR's right-to-work check, with the document seen, any restrictions and the follow-up date (ESR 1.1.0). */
export class RightToWorkCheckDto extends EmploymentCheckDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The document the right to work was checked on; null when ESR does not say',
    example: 'UK passport',
  })
  documentType!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Conditions of the permission to work (e.g. hours); null when there are none or ESR does not say',
    example: 'Limited to 20 hours a week in term time',
  })
  restrictions!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date',
    description: 'When a time-limited permission must be checked again (YYYY-MM-DD); null when not time-limited or ESR does not say',
  })
  followUpDate!: string | null;
}

export class IdentityDto {
  @ApiProperty({ type: EmploymentCheckDto, nullable: true, description: "ESR's IDENTITY check; null when ESR holds none" })
  check!: EmploymentCheckDto | null;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty() firstName!: string;
  @ApiProperty({ type: String, nullable: true }) middleNames!: string | null;
  @ApiProperty() lastName!: string;
  @ApiProperty({ format: 'date' }) dateOfBirth!: string;
  @ApiProperty({ type: String, nullable: true, example: 'AB****56C', description: 'As ESR masks it; the full NI number is never returned' })
  niNumberMasked!: string | null;
}

export class ProfessionalRegistrationDto {
  @ApiProperty({ enum: ['NMC', 'GMC', 'HCPC', 'GPhC', 'GDC', 'OTHER'] }) body!: string;
  @ApiProperty({ example: '12A3456E' }) number!: string;
  @ApiProperty({ enum: ['REGISTERED', 'LAPSED', 'SUSPENDED'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) expiryDate!: string | null;
}

export class ImmunisationDto {
  @ApiProperty({ example: 'Hepatitis B' }) antigen!: string;
  @ApiProperty({ format: 'date' }) date!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Immune' }) result!: string | null;
}

export class OccupationalHealthDto {
  @ApiProperty({ type: [ImmunisationDto] }) immunisations!: ImmunisationDto[];
  @ApiProperty({ type: EmploymentCheckDto, nullable: true, description: "ESR's OCCUPATIONAL_HEALTH check; null when ESR holds none" })
  check!: EmploymentCheckDto | null;
}

export class CoreSkillsTrainingDto {
  @ApiProperty({ example: 'Infection Prevention and Control - Level 2' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Infection Prevention and Control' }) cstfSubject!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 2 }) level!: number | null;
  @ApiProperty({ enum: ['ACHIEVED', 'EXPIRED', 'IN_PROGRESS'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) achievedDate!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) expiryDate!: string | null;
}

export class CredentialsDto {
  @ApiProperty({ type: CredentialSourceDto }) source!: CredentialSourceDto;
  @ApiProperty({ type: [EmploymentDto], description: "The person's ESR assignments, primary first as ESR lists them" })
  employment!: EmploymentDto[];
  @ApiProperty({ type: IdentityDto }) identity!: IdentityDto;
  @ApiProperty({
    type: RightToWorkCheckDto,
    nullable: true,
    description: "ESR's RIGHT_TO_WORK check with document type, restrictions and follow-up date; null when ESR holds none",
  })
  rightToWork!: RightToWorkCheckDto | null;
  @ApiProperty({
    type: DbsCheckDto,
    nullable: true,
    description: "ESR's DBS check with level, barred lists and Update Service subscription; null when ESR holds none",
  })
  dbs!: DbsCheckDto | null;
  @ApiProperty({ type: EmploymentCheckDto, nullable: true, description: "ESR's EMPLOYMENT_HISTORY check; null when ESR holds none" })
  employmentHistory!: EmploymentCheckDto | null;
  @ApiProperty({ type: [ProfessionalRegistrationDto] }) professionalRegistrations!: ProfessionalRegistrationDto[];
  @ApiProperty({ type: EmploymentCheckDto, nullable: true, description: "ESR's PROFESSIONAL_REGISTRATION check; null when ESR holds none" })
  professionalRegistrationCheck!: EmploymentCheckDto | null;
  @ApiProperty({ type: OccupationalHealthDto }) occupationalHealth!: OccupationalHealthDto;
  @ApiProperty({ type: [CoreSkillsTrainingDto], description: "ESR's competences (CSTF subjects with level, status and dates)" })
  coreSkillsTraining!: CoreSkillsTrainingDto[];
}

export class CredentialSearchResponseDto {
  @ApiProperty({ type: [PersonMatchDto], description: 'Everyone ESR matched (at most 20); empty when nobody matched' })
  matches!: PersonMatchDto[];

  @ApiPropertyOptional({ type: CredentialsDto, description: 'Present only when exactly one person matched' })
  credentials?: CredentialsDto;
}
