import type {
  EsrCompetence,
  EsrEmploymentCheck,
  EsrImmunisation,
  EsrPerson,
  EsrPersonAssignment,
  EsrPersonSummary,
  EsrRegistration,
  EsrRoleAssignment,
  EsrRoleChange,
  EsrSystemPersonType,
  EsrVpd,
} from './esr.types';
import { ASSIGNMENT_NUMBER, EMPLOYEE_NUMBER, VPD } from '../domain/identifiers';

/*
 * Explicit validators for ESR's wire format (../shared/contracts/esr-api.yaml), written by hand so they
 * are fast on million-row listings and map straight to the gateway's types. A failure carries a reason
 * made of the field path and what was expected, never the value itself (values may be personal data).
 */

/** An item or body that breaks the contract. `reason` names the field, never its value. */
export class ContractViolation extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ContractViolation';
  }
}

type Json = Record<string, unknown>;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

const PERSON_TYPES: readonly EsrSystemPersonType[] = ['EMP', 'EX_EMP', 'APL', 'OTHER'];

function fail(path: string, expected: string): never {
  throw new ContractViolation(`${path}: expected ${expected}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A real calendar date in `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE_PATTERN.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** An ISO-8601 timestamp with an offset (or Z) on a real calendar date. */
export function isIsoDateTime(value: unknown): value is string {
  return typeof value === 'string' && DATE_TIME_PATTERN.test(value) && isIsoDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value));
}

function object(value: unknown, path: string): Json {
  if (!isObject(value)) fail(path, 'an object');
  return value;
}

function string(o: Json, key: string, path: string, pattern?: RegExp): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${path}${key}`, 'a string');
  if (pattern && !pattern.test(v)) fail(`${path}${key}`, `a string matching ${pattern.source}`);
  return v;
}

function nonEmptyString(o: Json, key: string, path: string): string {
  const v = string(o, key, path);
  if (v.length === 0) fail(`${path}${key}`, 'a non-empty string');
  return v;
}

/** `type: [string, 'null']`, not required: missing becomes null. */
function nullableString(o: Json, key: string, path: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(`${path}${key}`, 'a string or null');
  return v;
}

function boolean(o: Json, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${path}${key}`, 'a boolean');
  return v;
}

function date(o: Json, key: string, path: string): string {
  const v = o[key];
  if (!isIsoDate(v)) fail(`${path}${key}`, 'a date (YYYY-MM-DD)');
  return v;
}

/** A nullable date. `required` fields must be present (possibly null); others default to null. */
function nullableDate(o: Json, key: string, path: string, required = false): string | null {
  const v = o[key];
  if (v === undefined && !required) return null;
  if (v === null) return null;
  if (!isIsoDate(v)) fail(`${path}${key}`, 'a date (YYYY-MM-DD) or null');
  return v;
}

function dateTime(o: Json, key: string, path: string): string {
  const v = o[key];
  if (!isIsoDateTime(v)) fail(`${path}${key}`, 'an ISO-8601 timestamp with offset');
  return v;
}

function oneOf<T extends string>(o: Json, key: string, path: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(`${path}${key}`, `one of ${values.join(', ')}`);
  return v as T;
}

function nullableInteger(o: Json, key: string, path: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${path}${key}`, 'an integer or null');
  return v;
}

function array(o: Json, key: string, path: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${path}${key}`, 'an array');
  return v;
}

function sameVpd(actual: string, expectedVpd: string | undefined, path: string): void {
  if (expectedVpd !== undefined && actual !== expectedVpd) fail(`${path}vpd`, 'the VPD that was asked for');
}

// ---------------------------------------------------------------------------------------------
// Items

export function parseVpd(value: unknown): EsrVpd {
  const o = object(value, 'item');
  return { vpd: string(o, 'vpd', '', VPD), organisationName: string(o, 'organisationName', ''), active: boolean(o, 'active', '') };
}

/** A RoleAssignment; `expectedVpd` rejects rows from another VPD than the one asked for. */
export function parseRoleAssignment(value: unknown, expectedVpd?: string, path = ''): EsrRoleAssignment {
  const o = object(value, path || 'item');
  const vpd = string(o, 'vpd', path, VPD);
  sameVpd(vpd, expectedVpd, path);
  const person = object(o.person, `${path}person`);
  return {
    assignmentId: nonEmptyString(o, 'assignmentId', path),
    vpd,
    employeeNumber: string(o, 'employeeNumber', path, EMPLOYEE_NUMBER),
    roleName: string(o, 'roleName', path),
    roleCategory: string(o, 'roleCategory', path),
    effectiveStartDate: date(o, 'effectiveStartDate', path),
    effectiveEndDate: nullableDate(o, 'effectiveEndDate', path, true),
    createdAt: dateTime(o, 'createdAt', path),
    lastUpdatedAt: dateTime(o, 'lastUpdatedAt', path),
    personActive: boolean(person, 'active', `${path}person.`),
    systemPersonType: oneOf(person, 'systemPersonType', `${path}person.`, PERSON_TYPES),
  };
}

export function parseRoleChange(value: unknown, expectedVpd?: string): EsrRoleChange {
  const o = object(value, 'item');
  const op = oneOf(o, 'op', '', ['upsert', 'delete'] as const);
  const assignmentId = nonEmptyString(o, 'assignmentId', '');
  const changedAt = dateTime(o, 'changedAt', '');
  if (op === 'delete') return { op, assignmentId, changedAt };
  if (o.assignment === undefined || o.assignment === null) fail('assignment', 'an assignment on an upsert');
  const assignment = parseRoleAssignment(o.assignment, expectedVpd, 'assignment.');
  if (assignment.assignmentId !== assignmentId) fail('assignment.assignmentId', 'the same assignmentId as the change');
  return { op, assignmentId, changedAt, assignment };
}

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

/** Parses each element; elements that break the contract are left out and their reasons collected. */
export function parseEach<T>(values: unknown[], parse: (value: unknown, index: number) => T, skipped: string[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < values.length; i++) {
    try {
      out.push(parse(values[i], i));
    } catch (e) {
      if (!(e instanceof ContractViolation)) throw e;
      skipped.push(e.reason);
    }
  }
  return out;
}

/**
 * A Person. The person's own fields must meet the contract (else the whole answer is a violation);
 * an element of one of its lists that breaks the contract is left out and reported in `skipped`.
 */
export function parsePerson(value: unknown, expectedVpd?: string): { person: EsrPerson; skipped: string[] } {
  const o = object(value, 'body');
  const summary = personSummaryFields(o, expectedVpd);
  const skipped: string[] = [];
  const list = <T>(key: string, parse: (v: unknown, path: string) => T): T[] =>
    parseEach(array(o, key, ''), (v, i) => parse(v, `${key}[${i}]`), skipped);
  const person: EsrPerson = {
    ...summary,
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

// ---------------------------------------------------------------------------------------------
// Envelopes

/** Parses a JSON body; anything that is not JSON is a contract violation of the whole answer. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new ContractViolation('body: expected JSON');
  }
}

/** `{ items: [...] }`. */
export function itemsOf(body: unknown): unknown[] {
  return array(object(body, 'body'), 'items', 'body.');
}

/** `{ items, nextCursor, watermark }` of the paged listings. */
export function pagedEnvelope(body: unknown): { items: unknown[]; nextCursor: string | null; watermark: string } {
  const o = object(body, 'body');
  const items = array(o, 'items', 'body.');
  const watermark = nonEmptyString(o, 'watermark', 'body.');
  if (!('nextCursor' in o)) fail('body.nextCursor', 'a string or null');
  const nextCursor = nullableString(o, 'nextCursor', 'body.');
  return { items, nextCursor: nextCursor === '' ? fail('body.nextCursor', 'a non-empty string or null') : nextCursor, watermark };
}

/** `{ access_token, token_type: Bearer, expires_in }`. */
export function tokenResponse(body: unknown): { accessToken: string; expiresInSeconds: number } {
  const o = object(body, 'body');
  const accessToken = nonEmptyString(o, 'access_token', 'body.');
  const type = string(o, 'token_type', 'body.');
  if (type.toLowerCase() !== 'bearer') fail('body.token_type', 'Bearer');
  const expires = o.expires_in;
  if (typeof expires !== 'number' || !Number.isInteger(expires) || expires <= 0) fail('body.expires_in', 'a positive integer');
  return { accessToken, expiresInSeconds: expires };
}

/** ESR's `error` field when it is a plain machine code (safe to keep); undefined otherwise. */
export function errorCodeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    const code = isObject(parsed) ? parsed.error : undefined;
    return typeof code === 'string' && /^[a-z][a-z0-9_]{0,63}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}
