/**
 * What the rest of the gateway sees of ESR. These are the gateway's own types: field names are
 * camelCase, optional-nullable contract fields are always present (null when ESR left them out), and
 * dates stay strings exactly as ESR gives them (`YYYY-MM-DD` UK local dates, ISO-8601 timestamps with
 * offset). Only src/esr knows ESR's URLs, tokens and wire formats.
 */

/** A VPD (organisation) this gateway's ESR client may read. */
export interface EsrVpd {
  vpd: string;
  organisationName: string;
  active: boolean;
}

export type EsrSystemPersonType = 'EMP' | 'EX_EMP' | 'APL' | 'OTHER';

/** One date-tracked assignment of the supplementary role to a person. */
export interface EsrRoleAssignment {
  /** Stable id of this role assignment row. */
  assignmentId: string;
  vpd: string;
  employeeNumber: string;
  roleName: string;
  roleCategory: string;
  /** `YYYY-MM-DD`, UK local date. */
  effectiveStartDate: string;
  /** `YYYY-MM-DD`, inclusive; null for open-ended. */
  effectiveEndDate: string | null;
  /** When the role was assigned in ESR (ISO-8601 with offset). */
  createdAt: string;
  lastUpdatedAt: string;
  /** The person has at least one active assignment in this VPD. */
  personActive: boolean;
  systemPersonType: EsrSystemPersonType;
  /**
   * The holder's name as ESR holds it ("Mr Jordan Ashworth", from person.title, firstName and lastName,
   * since ESR 1.1.0); null when ESR sent none (an older ESR, or a client that may not read names).
   */
  displayName: string | null;
}

/** One entry of the change feed. A later change to the same assignmentId supersedes an earlier one. */
export type EsrRoleChange =
  | { op: 'upsert'; assignmentId: string; changedAt: string; assignment: EsrRoleAssignment }
  | { op: 'delete'; assignmentId: string; changedAt: string };

/** One page of a listing, as handed out by the client's async iterators. */
export interface EsrPage<T> {
  /** The items of this page that meet the contract. */
  items: T[];
  /** The same on every page of one listing / change answer: the watermark to ask for changes from next time. */
  watermark: string;
  /** When ESR's overnight extract that this answer reads was taken (ISO-8601), or null if ESR did not say. */
  extractDate: string | null;
  /** How many items of this page broke the contract and were left out. */
  skipped: number;
}

/** Exactly one way of searching people in a VPD. */
export type PeopleCriteria =
  { employeeNumber: string } | { assignmentNumber: string } | { lastName: string; dateOfBirth: string; niNumber: string };

export interface EsrPersonSummary {
  employeeNumber: string;
  vpd: string;
  title: string | null;
  firstName: string;
  lastName: string;
  /** `YYYY-MM-DD`. */
  dateOfBirth: string;
  systemPersonType: EsrSystemPersonType;
  primaryAssignmentNumber: string | null;
}

export type EsrAssignmentStatus = 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';

export interface EsrPersonAssignment {
  /** e.g. `30581377-2`. */
  assignmentNumber: string;
  primary: boolean;
  status: EsrAssignmentStatus;
  positionName: string | null;
  jobRole: string | null;
  staffGroup: string | null;
  organisationName: string | null;
  effectiveStartDate: string;
  effectiveEndDate: string | null;
}

export type EsrEmploymentCheckType =
  'IDENTITY' | 'RIGHT_TO_WORK' | 'DBS' | 'EMPLOYMENT_HISTORY' | 'OCCUPATIONAL_HEALTH' | 'PROFESSIONAL_REGISTRATION';
export type EsrEmploymentCheckStatus = 'VERIFIED' | 'PENDING' | 'EXPIRED' | 'NOT_CHECKED';

export const ESR_DBS_LEVELS = ['BASIC', 'STANDARD', 'ENHANCED', 'ENHANCED_WITH_BARRED_LISTS'] as const;
export type EsrDbsLevel = (typeof ESR_DBS_LEVELS)[number];
export const ESR_BARRED_LISTS = ['ADULTS', 'CHILDREN'] as const;
export type EsrBarredList = (typeof ESR_BARRED_LISTS)[number];

export interface EsrEmploymentCheck {
  type: EsrEmploymentCheckType;
  status: EsrEmploymentCheckStatus;
  checkedDate: string | null;
  expiryDate: string | null;
  reference: string | null;
  /** DBS only (ESR 1.1.0): the level of the certificate; null when ESR did not say. */
  level: EsrDbsLevel | null;
  /** DBS only (ESR 1.1.0): the barred lists checked; null when ESR did not say. */
  barredLists: EsrBarredList[] | null;
  /** DBS only (ESR 1.1.0): subscribed to the DBS Update Service; null when ESR did not say. */
  updateService: boolean | null;
  /** RIGHT_TO_WORK only (ESR 1.1.0): e.g. "UK passport"; null when ESR did not say. */
  documentType: string | null;
  /** RIGHT_TO_WORK only (ESR 1.1.0): conditions of the permission to work; null when none or not said. */
  restrictions: string | null;
  /** RIGHT_TO_WORK only (ESR 1.1.0): `YYYY-MM-DD` when a time-limited permission must be checked again. */
  followUpDate: string | null;
}

export type EsrRegistrationBody = 'NMC' | 'GMC' | 'HCPC' | 'GPhC' | 'GDC' | 'OTHER';
export type EsrRegistrationStatus = 'REGISTERED' | 'LAPSED' | 'SUSPENDED';

export interface EsrRegistration {
  body: EsrRegistrationBody;
  number: string;
  status: EsrRegistrationStatus;
  expiryDate: string | null;
}

export type EsrCompetenceStatus = 'ACHIEVED' | 'EXPIRED' | 'IN_PROGRESS';

export interface EsrCompetence {
  name: string;
  cstfSubject: string | null;
  level: number | null;
  status: EsrCompetenceStatus;
  achievedDate: string | null;
  expiryDate: string | null;
}

export interface EsrImmunisation {
  antigen: string;
  date: string;
  result: string | null;
}

/** One person's record, with what a staff passport credential is built from. */
export interface EsrPerson extends EsrPersonSummary {
  /** When ESR's overnight extract behind this answer was taken (X-ESR-Extract-Date, ISO-8601), or null if ESR did not say. */
  extractDate: string | null;
  middleNames: string | null;
  /** e.g. `QQ****56C`; ESR never hands out the full NI number here. */
  niNumberMasked: string | null;
  hireDate: string | null;
  actualTerminationDate: string | null;
  assignments: EsrPersonAssignment[];
  employmentChecks: EsrEmploymentCheck[];
  registrations: EsrRegistration[];
  competences: EsrCompetence[];
  immunisations: EsrImmunisation[];
}

export type EsrBreakerState = 'closed' | 'open' | 'half-open';
