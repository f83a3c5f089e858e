import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/*
 * What a credential search answers. Every value is ESR's own: statuses and dates are passed through as
 * ESR holds them (dates YYYY-MM-DD, UK local), nullable where ESR may leave them out, and nothing is
 * made up (an employment check ESR does not hold is null, never a guessed status).
 */

const PERSON_TYPES = ['EMP', 'EX_EMP', 'APL', 'OTHER'];
const CHECK_STATUSES = ['VERIFIED', 'PENDING', 'EXPIRED', 'NOT_CHECKED'];

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
    description:
      "When ESR's overnight extract behind this record was taken, when ESR says (X-ESR-Extract-Date); null when ESR's person endpoints do not say",
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
  @ApiProperty({ type: EmploymentCheckDto, nullable: true, description: "ESR's RIGHT_TO_WORK check; null when ESR holds none" })
  rightToWork!: EmploymentCheckDto | null;
  @ApiProperty({ type: EmploymentCheckDto, nullable: true, description: "ESR's DBS check; null when ESR holds none" })
  dbs!: EmploymentCheckDto | null;
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
