/**
 * Wire shapes of the upstream ESR API (shared/contracts/esr-api.yaml) as the sandbox serves them.
 * These are the sandbox's own copies: the gateway's ESR client keeps its own types, so that the
 * sandbox can never silently agree with a client bug.
 */

export type SystemPersonType = 'EMP' | 'EX_EMP' | 'APL' | 'OTHER';

export interface Vpd {
  vpd: string;
  organisationName: string;
  active: boolean;
}

export interface RoleAssignmentPerson {
  active: boolean;
  systemPersonType: SystemPersonType;
  /** Since contract 1.1.0; left out where the client may not read names (the sandbox's holderNames: false). */
  title?: string | null;
  firstName?: string | null;
  lastName?: string | null;
}

export interface RoleAssignment {
  assignmentId: string;
  vpd: string;
  employeeNumber: string;
  roleName: string;
  roleCategory: string;
  effectiveStartDate: string;
  effectiveEndDate: string | null;
  createdAt: string;
  lastUpdatedAt: string;
  person: RoleAssignmentPerson;
}

export interface RoleAssignmentChange {
  op: 'upsert' | 'delete';
  assignmentId: string;
  changedAt: string;
  assignment?: RoleAssignment;
}

export interface PersonSummary {
  employeeNumber: string;
  vpd: string;
  title: string | null;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  systemPersonType: SystemPersonType;
  primaryAssignmentNumber: string | null;
}

export type AssignmentStatus = 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';

export interface PersonAssignment {
  assignmentNumber: string;
  primary: boolean;
  status: AssignmentStatus;
  positionName: string | null;
  jobRole: string | null;
  staffGroup: string | null;
  organisationName: string | null;
  effectiveStartDate: string;
  effectiveEndDate: string | null;
}

export type EmploymentCheckType =
  'IDENTITY' | 'RIGHT_TO_WORK' | 'DBS' | 'EMPLOYMENT_HISTORY' | 'OCCUPATIONAL_HEALTH' | 'PROFESSIONAL_REGISTRATION';

export interface EmploymentCheck {
  type: EmploymentCheckType;
  status: 'VERIFIED' | 'PENDING' | 'EXPIRED' | 'NOT_CHECKED';
  checkedDate: string | null;
  expiryDate: string | null;
  reference: string | null;
  /** DBS only, since 1.1.0 (absent on some records, as on an ESR 1.0 record). */
  level?: 'BASIC' | 'STANDARD' | 'ENHANCED' | 'ENHANCED_WITH_BARRED_LISTS' | null;
  barredLists?: Array<'ADULTS' | 'CHILDREN'> | null;
  updateService?: boolean | null;
  /** RIGHT_TO_WORK only, since 1.1.0. */
  documentType?: string | null;
  restrictions?: string | null;
  followUpDate?: string | null;
}

export type RegistrationBody = 'NMC' | 'GMC' | 'HCPC' | 'GPhC' | 'GDC' | 'OTHER';

export interface Registration {
  body: RegistrationBody;
  number: string;
  status: 'REGISTERED' | 'LAPSED' | 'SUSPENDED';
  expiryDate: string | null;
}

export interface Competence {
  name: string;
  cstfSubject: string | null;
  level: number | null;
  status: 'ACHIEVED' | 'EXPIRED' | 'IN_PROGRESS';
  achievedDate: string | null;
  expiryDate: string | null;
}

export interface Immunisation {
  antigen: string;
  date: string;
  result: string | null;
}

export interface Person extends PersonSummary {
  middleNames: string | null;
  niNumberMasked: string | null;
  hireDate: string | null;
  actualTerminationDate: string | null;
  assignments: PersonAssignment[];
  employmentChecks: EmploymentCheck[];
  registrations: Registration[];
  competences: Competence[];
  immunisations: Immunisation[];
}

/** The contract's Error body. */
export interface ErrorBody {
  error: string;
  message: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  watermark: string;
}

/** The one supplementary role the sandbox holds assignments of. */
export const DPA_ROLE_NAME = 'Digital Passport Administrator';
export const DPA_ROLE_CATEGORY = 'NHS Supplementary Role';
