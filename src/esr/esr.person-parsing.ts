import {
  ESR_BARRED_LISTS,
  ESR_DBS_LEVELS,
  type EsrCompetence,
  type EsrEmploymentCheck,
  type EsrImmunisation,
  type EsrPerson,
  type EsrPersonAssignment,
  type EsrPersonSummary,
  type EsrRegistration,
  type EsrSystemPersonType,
} from './esr.types';
import { ASSIGNMENT_NUMBER, EMPLOYEE_NUMBER, VPD } from '../domain/identifiers';
import {
  array,
  boolean,
  date,
  type Json,
  nullableDate,
  nullableBoolean,
  nullableInteger,
  nullableOneOf,
  nullableOneOfList,
  nullableString,
  object,
  oneOf,
  parseEach,
  sameVpd,
  string,
} from './esr.json-fields';

/*
 * ESR's person records (../shared/contracts/esr-api.yaml): the PersonSummary of a search and the Person
 * of a single lookup with its lists (assignments, employment checks, registrations, competences,
 * immunisations), checked field by field with the readers of esr.json-fields.ts.
 */

/** The contract's `systemPersonType` values (of a person and of a role assignment's person). */
export const PERSON_TYPES: readonly EsrSystemPersonType[] = ['EMP', 'EX_EMP', 'APL', 'OTHER'];

function personSummaryFields(o: Json, expectedVpd: string | undefined): EsrPersonSummary {
  const vpd = string(o, 'vpd', '', VPD);
  sameVpd(vpd, expectedVpd, '');
  return {
    employeeNumber: string(o, 'employeeNumber', '', EMPLOYEE_NUMBER),
    vpd,
    title: nullableString(o, 'title', ''),
    firstName: string(o, 'firstName', ''),
    lastName: string(o, 'lastName', ''),
    dateOfBirth: date(o, 'dateOfBirth', ''),
    systemPersonType: oneOf(o, 'systemPersonType', '', PERSON_TYPES),
    primaryAssignmentNumber: nullableString(o, 'primaryAssignmentNumber', ''),
  };
}

export function parsePersonSummary(value: unknown, expectedVpd?: string): EsrPersonSummary {
  return personSummaryFields(object(value, 'item'), expectedVpd);
}

function parsePersonAssignment(value: unknown, path: string): EsrPersonAssignment {
  const o = object(value, path);
  const p = `${path}.`;
  return {
    assignmentNumber: string(o, 'assignmentNumber', p, ASSIGNMENT_NUMBER),
    primary: boolean(o, 'primary', p),
    status: oneOf(o, 'status', p, ['ACTIVE', 'SUSPENDED', 'TERMINATED'] as const),
    positionName: nullableString(o, 'positionName', p),
    jobRole: nullableString(o, 'jobRole', p),
    staffGroup: nullableString(o, 'staffGroup', p),
    organisationName: nullableString(o, 'organisationName', p),
    effectiveStartDate: date(o, 'effectiveStartDate', p),
    effectiveEndDate: nullableDate(o, 'effectiveEndDate', p, true),
  };
}

function parseEmploymentCheck(value: unknown, path: string): EsrEmploymentCheck {
  const o = object(value, path);
  const p = `${path}.`;
  return {
    type: oneOf(o, 'type', p, [
      'IDENTITY',
      'RIGHT_TO_WORK',
      'DBS',
      'EMPLOYMENT_HISTORY',
      'OCCUPATIONAL_HEALTH',
      'PROFESSIONAL_REGISTRATION',
    ] as const),
    status: oneOf(o, 'status', p, ['VERIFIED', 'PENDING', 'EXPIRED', 'NOT_CHECKED'] as const),
    checkedDate: nullableDate(o, 'checkedDate', p),
    expiryDate: nullableDate(o, 'expiryDate', p),
    reference: nullableString(o, 'reference', p),
    // Optional since ESR 1.1.0 (DBS and RIGHT_TO_WORK details): null when absent.
    level: nullableOneOf(o, 'level', p, ESR_DBS_LEVELS),
    barredLists: nullableOneOfList(o, 'barredLists', p, ESR_BARRED_LISTS),
    updateService: nullableBoolean(o, 'updateService', p),
    documentType: nullableString(o, 'documentType', p),
    restrictions: nullableString(o, 'restrictions', p),
    followUpDate: nullableDate(o, 'followUpDate', p),
  };
}

function parseRegistration(value: unknown, path: string): EsrRegistration {
  const o = object(value, path);
  const p = `${path}.`;
  return {
    body: oneOf(o, 'body', p, ['NMC', 'GMC', 'HCPC', 'GPhC', 'GDC', 'OTHER'] as const),
    number: string(o, 'number', p),
    status: oneOf(o, 'status', p, ['REGISTERED', 'LAPSED', 'SUSPENDED'] as const),
    expiryDate: nullableDate(o, 'expiryDate', p),
  };
}

function parseCompetence(value: unknown, path: string): EsrCompetence {
  const o = object(value, path);
  const p = `${path}.`;
  return {
    name: string(o, 'name', p),
    cstfSubject: nullableString(o, 'cstfSubject', p),
    level: nullableInteger(o, 'level', p),
    status: oneOf(o, 'status', p, ['ACHIEVED', 'EXPIRED', 'IN_PROGRESS'] as const),
    achievedDate: nullableDate(o, 'achievedDate', p),
    expiryDate: nullableDate(o, 'expiryDate', p),
  };
}

function parseImmunisation(value: unknown, path: string): EsrImmunisation {
  const o = object(value, path);
  const p = `${path}.`;
  return { antigen: string(o, 'antigen', p), date: date(o, 'date', p), result: nullableString(o, 'result', p) };
}

/**
 * A Person. The person's own fields must meet the contract (else the whole answer is a violation);
 * an element of one of its lists that breaks the contract is left out and reported in `skipped`.
 */
export function parsePerson(
  value: unknown,
  expectedVpd?: string,
  extractDate: string | null = null,
): { person: EsrPerson; skipped: string[] } {
  const o = object(value, 'body');
  const summary = personSummaryFields(o, expectedVpd);
  const skipped: string[] = [];
  const list = <T>(key: string, parse: (v: unknown, path: string) => T): T[] =>
    parseEach(array(o, key, ''), (v, i) => parse(v, `${key}[${i}]`), skipped);
  const person: EsrPerson = {
    ...summary,
    extractDate,
    middleNames: nullableString(o, 'middleNames', ''),
    niNumberMasked: nullableString(o, 'niNumberMasked', ''),
    hireDate: nullableDate(o, 'hireDate', ''),
    actualTerminationDate: nullableDate(o, 'actualTerminationDate', ''),
    assignments: list('assignments', parsePersonAssignment),
    employmentChecks: list('employmentChecks', parseEmploymentCheck),
    registrations: list('registrations', parseRegistration),
    competences: list('competences', parseCompetence),
    immunisations: list('immunisations', parseImmunisation),
  };
  return { person, skipped };
}
