import type { EsrEmploymentCheck, EsrEmploymentCheckType, EsrPerson, EsrPersonSummary } from '../esr/esr.types';
import type {
  CredentialsDto,
  DbsCheckDto,
  EmploymentCheckDto,
  PersonMatchDto,
  RightToWorkCheckDto,
} from './dto/credential-search-response.dto';

/** One search result as the portal shows it to choose from. */
export function toPersonMatch(summary: EsrPersonSummary): PersonMatchDto {
  return {
    employeeNumber: summary.employeeNumber,
    title: summary.title,
    firstName: summary.firstName,
    lastName: summary.lastName,
    dateOfBirth: summary.dateOfBirth,
    systemPersonType: summary.systemPersonType,
    primaryAssignmentNumber: summary.primaryAssignmentNumber,
  };
}

/**
 * ESR's check of one type, or undefined when ESR holds none. Should ESR hold several of one type (a
 * renewed DBS, say), the one checked most recently wins; one without a checked date counts as oldest,
 * and among equals ESR's order decides.
 */
function latestCheck(checks: readonly EsrEmploymentCheck[], type: EsrEmploymentCheckType): EsrEmploymentCheck | undefined {
  let chosen: EsrEmploymentCheck | undefined;
  for (const check of checks) {
    if (check.type !== type) continue;
    if (!chosen || (check.checkedDate !== null && (chosen.checkedDate === null || check.checkedDate > chosen.checkedDate))) chosen = check;
  }
  return chosen;
}

const checkFields = (c: EsrEmploymentCheck): EmploymentCheckDto => ({
  status: c.status,
  checkedDate: c.checkedDate,
  expiryDate: c.expiryDate,
  reference: c.reference,
});

/** ESR's check of one type (the latest, see latestCheck), or null when ESR holds none. */
export function employmentCheck(checks: readonly EsrEmploymentCheck[], type: EsrEmploymentCheckType): EmploymentCheckDto | null {
  const chosen = latestCheck(checks, type);
  return chosen ? checkFields(chosen) : null;
}

/** ESR's DBS check with its level, barred lists and Update Service subscription (each null when ESR did not say). */
export function dbsCheck(checks: readonly EsrEmploymentCheck[]): DbsCheckDto | null {
  const c = latestCheck(checks, 'DBS');
  return c ? { ...checkFields(c), level: c.level, barredLists: c.barredLists, updateService: c.updateService } : null;
}

/** ESR's right-to-work check with its document type, restrictions and follow-up date (each null when ESR did not say). */
export function rightToWorkCheck(checks: readonly EsrEmploymentCheck[]): RightToWorkCheckDto | null {
  const c = latestCheck(checks, 'RIGHT_TO_WORK');
  return c ? { ...checkFields(c), documentType: c.documentType, restrictions: c.restrictions, followUpDate: c.followUpDate } : null;
}

/**
 * The credentials a staff passport issues, from one person's ESR record. Statuses and dates are ESR's,
 * passed through unchanged; lists keep ESR's order; nothing is derived or invented.
 */
export function toCredentials(person: EsrPerson, source: { vpd: string; retrievedAt: string }): CredentialsDto {
  const checks = person.employmentChecks;
  return {
    source: { vpd: source.vpd, employeeNumber: person.employeeNumber, extractDate: person.extractDate, retrievedAt: source.retrievedAt },
    employment: person.assignments.map((a) => ({
      assignmentNumber: a.assignmentNumber,
      primary: a.primary,
      status: a.status,
      positionName: a.positionName,
      jobRole: a.jobRole,
      staffGroup: a.staffGroup,
      organisationName: a.organisationName,
      startDate: a.effectiveStartDate,
      endDate: a.effectiveEndDate,
    })),
    identity: {
      check: employmentCheck(checks, 'IDENTITY'),
      title: person.title,
      firstName: person.firstName,
      middleNames: person.middleNames,
      lastName: person.lastName,
      dateOfBirth: person.dateOfBirth,
      niNumberMasked: person.niNumberMasked,
    },
    rightToWork: rightToWorkCheck(checks),
    dbs: dbsCheck(checks),
    employmentHistory: employmentCheck(checks, 'EMPLOYMENT_HISTORY'),
    professionalRegistrations: person.registrations.map((r) => ({
      body: r.body,
      number: r.number,
      status: r.status,
      expiryDate: r.expiryDate,
    })),
    professionalRegistrationCheck: employmentCheck(checks, 'PROFESSIONAL_REGISTRATION'),
    occupationalHealth: {
      immunisations: person.immunisations.map((i) => ({ antigen: i.antigen, date: i.date, result: i.result })),
      check: employmentCheck(checks, 'OCCUPATIONAL_HEALTH'),
    },
    coreSkillsTraining: person.competences.map((c) => ({
      name: c.name,
      cstfSubject: c.cstfSubject,
      level: c.level,
      status: c.status,
      achievedDate: c.achievedDate,
      expiryDate: c.expiryDate,
    })),
  };
}
