import { createHmac } from 'node:crypto';
import { DateTime } from 'luxon';
import { ErrorDetail, ValidationFailedError } from '../common/errors/domain-error';
import type { PeopleCriteria } from '../esr/esr.types';
import { ASSIGNMENT_NUMBER, EMPLOYEE_NUMBER, IDENTIFIER_MESSAGES, NI_NUMBER } from '../domain/identifiers';
import { UK_ZONE } from '../domain/uk-time';

/** Identifier and personal-detail formats of a credential search (gateway API contract). */
/** Letters (any script), spaces, apostrophes (straight or curly) and hyphens. */
export const LAST_NAME_FORMAT = /^[\p{L}\p{M}][\p{L}\p{M} '’-]*$/u;
export const LAST_NAME_MAX_LENGTH = 100;
export const DATE_FORMAT = /^\d{4}-\d{2}-\d{2}$/;
/** Dates of birth before this are refused as typing mistakes. */
export const EARLIEST_DATE_OF_BIRTH = '1900-01-01';

export const SEARCH_MESSAGES = {
  vpd: IDENTIFIER_MESSAGES.vpd,
  employeeNumber: IDENTIFIER_MESSAGES.employeeNumber,
  assignmentNumber: IDENTIFIER_MESSAGES.assignmentNumber,
  lastName: `lastName must be 1 to ${LAST_NAME_MAX_LENGTH} letters, spaces, apostrophes or hyphens`,
  dateOfBirth: 'dateOfBirth must be a real date (YYYY-MM-DD)',
  dateOfBirthRange: `dateOfBirth must be in the past and not before ${EARLIEST_DATE_OF_BIRTH}`,
  niNumber: 'niNumber must be a National Insurance number: two letters, six digits and A, B, C or D (e.g. AB123456C)',
  niNumberPrefix: 'niNumber starts with two letters that are never issued in a National Insurance number',
  criteria: 'Search by exactly one of: employeeNumber; assignmentNumber; or lastName, dateOfBirth and niNumber together',
} as const;

export type CriteriaKind = 'employeeNumber' | 'assignmentNumber' | 'personalDetails';

/** Validated, normalised criteria of one search: what ESR is asked, and what the audit hashes. */
export type SearchCriteria =
  | { kind: 'employeeNumber'; employeeNumber: string }
  | { kind: 'assignmentNumber'; assignmentNumber: string }
  | { kind: 'personalDetails'; lastName: string; dateOfBirth: string; niNumber: string };

/** The criteria fields of the request body (already format-checked by the DTO, or not: both work). */
export interface CriteriaInput {
  employeeNumber?: unknown;
  assignmentNumber?: unknown;
  lastName?: unknown;
  dateOfBirth?: unknown;
  niNumber?: unknown;
}

const PERSONAL_FIELDS = ['lastName', 'dateOfBirth', 'niNumber'] as const;

/** Upper-cases and removes every space from an NI number as people type it ("ab 12 34 56 c"). */
export function normaliseNiNumber(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

/** Trims and collapses runs of spaces in a last name (NFC, so the same name always looks the same). */
export function normaliseLastName(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/g, ' ');
}

/**
 * HMRC never issues these prefixes: first letter D, F, I, Q, U or V; second letter D, F, I, O, Q, U or
 * V; and BG, GB, KN, NK, NT, TN, ZZ.
 */
export function isIssuableNiPrefix(niNumber: string): boolean {
  const first = niNumber.charAt(0);
  const second = niNumber.charAt(1);
  if ('DFIQUV'.includes(first) || 'DFIOQUV'.includes(second)) return false;
  return !['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(niNumber.slice(0, 2));
}

/** A real calendar date written YYYY-MM-DD (not 2026-02-30). */
export function isRealDate(value: string): boolean {
  return DATE_FORMAT.test(value) && DateTime.fromISO(value, { zone: UK_ZONE }).isValid;
}

/** Today's date in the UK (YYYY-MM-DD) at `nowMs`. */
export function ukToday(nowMs: number): string {
  return DateTime.fromMillis(nowMs, { zone: UK_ZONE }).toISODate() as string;
}

const present = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

/**
 * Decides which kind of criteria a request carries and checks every format, before anything else
 * happens (no ESR call, no rate-limit hit). Exactly one kind: employeeNumber; assignmentNumber; or all
 * three of lastName, dateOfBirth and niNumber. Throws VALIDATION_FAILED naming each problem; the
 * messages name fields and rules, never the values sent.
 */
export function resolveCriteria(input: CriteriaInput, nowMs: number): SearchCriteria {
  const hasEmployee = present(input.employeeNumber);
  const hasAssignment = present(input.assignmentNumber);
  const personal = PERSONAL_FIELDS.filter((field) => present(input[field]));
  const kinds = [hasEmployee && 'employeeNumber', hasAssignment && 'assignmentNumber', personal.length > 0 && 'personalDetails'].filter(
    (k): k is CriteriaKind => typeof k === 'string',
  );

  if (kinds.length === 0) {
    throw new ValidationFailedError(`${SEARCH_MESSAGES.criteria}.`, [
      {
        field: 'criteria',
        message: 'no search criteria given: send employeeNumber, assignmentNumber, or lastName, dateOfBirth and niNumber',
      },
    ]);
  }
  if (kinds.length > 1) {
    const fields = [...(hasEmployee ? ['employeeNumber'] : []), ...(hasAssignment ? ['assignmentNumber'] : []), ...personal];
    throw new ValidationFailedError(`${SEARCH_MESSAGES.criteria}; this request combines ${fields.join(', ')}.`, [
      { field: 'criteria', message: `only one kind of criteria may be sent, got ${kinds.join(' and ')} (${fields.join(', ')})` },
    ]);
  }

  const kind = kinds[0];
  if (kind === 'employeeNumber') {
    const value = input.employeeNumber;
    if (typeof value !== 'string' || !EMPLOYEE_NUMBER.test(value))
      fail([{ field: 'employeeNumber', message: SEARCH_MESSAGES.employeeNumber }]);
    return { kind, employeeNumber: value };
  }
  if (kind === 'assignmentNumber') {
    const value = input.assignmentNumber;
    if (typeof value !== 'string' || !ASSIGNMENT_NUMBER.test(value))
      fail([{ field: 'assignmentNumber', message: SEARCH_MESSAGES.assignmentNumber }]);
    return { kind, assignmentNumber: value };
  }

  const details: ErrorDetail[] = [];
  const missing = PERSONAL_FIELDS.filter((field) => !personal.includes(field));
  for (const field of missing)
    details.push({
      field,
      message: `${field} is required with ${personal.join(' and ')}: search by lastName, dateOfBirth and niNumber together`,
    });

  let lastName = '';
  if (personal.includes('lastName')) {
    lastName = typeof input.lastName === 'string' ? normaliseLastName(input.lastName) : '';
    if (lastName.length === 0 || lastName.length > LAST_NAME_MAX_LENGTH || !LAST_NAME_FORMAT.test(lastName))
      details.push({ field: 'lastName', message: SEARCH_MESSAGES.lastName });
  }
  let dateOfBirth = '';
  if (personal.includes('dateOfBirth')) {
    dateOfBirth = typeof input.dateOfBirth === 'string' ? input.dateOfBirth.trim() : '';
    if (!isRealDate(dateOfBirth)) details.push({ field: 'dateOfBirth', message: SEARCH_MESSAGES.dateOfBirth });
    else if (dateOfBirth < EARLIEST_DATE_OF_BIRTH || dateOfBirth >= ukToday(nowMs))
      details.push({ field: 'dateOfBirth', message: SEARCH_MESSAGES.dateOfBirthRange });
  }
  let niNumber = '';
  if (personal.includes('niNumber')) {
    niNumber = typeof input.niNumber === 'string' ? normaliseNiNumber(input.niNumber) : '';
    if (!NI_NUMBER.test(niNumber)) details.push({ field: 'niNumber', message: SEARCH_MESSAGES.niNumber });
    else if (!isIssuableNiPrefix(niNumber)) details.push({ field: 'niNumber', message: SEARCH_MESSAGES.niNumberPrefix });
  }
  if (details.length > 0) fail(details);
  return { kind, lastName, dateOfBirth, niNumber };
}

function fail(details: ErrorDetail[]): never {
  const messages = [...new Set(details.map((d) => d.message))];
  throw new ValidationFailedError(messages.join('; '), details);
}

/** What the ESR client is asked. */
export function toPeopleCriteria(criteria: SearchCriteria): PeopleCriteria {
  switch (criteria.kind) {
    case 'employeeNumber':
      return { employeeNumber: criteria.employeeNumber };
    case 'assignmentNumber':
      return { assignmentNumber: criteria.assignmentNumber };
    case 'personalDetails':
      return { lastName: criteria.lastName, dateOfBirth: criteria.dateOfBirth, niNumber: criteria.niNumber };
  }
}

/**
 * One string per distinct search, whatever way it was typed: versioned, kind first, values
 * normalised (last name upper-cased, spaces collapsed; NI number upper-cased without spaces) and
 * JSON-encoded so no two different criteria can collide. The VPD is not part of it (it has its own
 * audit column).
 */
export function canonicalCriteria(criteria: SearchCriteria): string {
  switch (criteria.kind) {
    case 'employeeNumber':
      return JSON.stringify(['v1', criteria.kind, criteria.employeeNumber]);
    case 'assignmentNumber':
      return JSON.stringify(['v1', criteria.kind, criteria.assignmentNumber]);
    case 'personalDetails':
      return JSON.stringify([
        'v1',
        criteria.kind,
        normaliseLastName(criteria.lastName).toUpperCase(),
        criteria.dateOfBirth,
        normaliseNiNumber(criteria.niNumber),
      ]);
  }
}

/**
 * Keyed hash of the criteria for the audit (HMAC-SHA256 with AUDIT_HMAC_SECRET, hex): the same search
 * always gives the same hash, so an auditor holding the criteria can find it, but the hash alone
 * reveals nothing (no dictionary attack on dates of birth without the key).
 */
export function criteriaHash(criteria: SearchCriteria, secret: string): string {
  return createHmac('sha256', secret).update(canonicalCriteria(criteria), 'utf8').digest('hex');
}
