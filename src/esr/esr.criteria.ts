import { ErrorDetail, ValidationFailedError } from '../common/errors/domain-error';
import { ASSIGNMENT_NUMBER, EMPLOYEE_NUMBER, NI_NUMBER, VPD } from '../domain/identifiers';
import type { PeopleCriteria } from './esr.types';
import { isIsoDate } from './esr.json-fields';

/* Checks of the ESR client's arguments, made before any call: bad ones throw ValidationFailedError. */

export function assertVpd(vpd: string): void {
  if (typeof vpd !== 'string' || !VPD.test(vpd))
    throw new ValidationFailedError('The VPD must be 3 digits.', [{ field: 'vpd', message: 'must be 3 digits' }]);
}

export function assertEmployeeNumber(employeeNumber: string): void {
  if (typeof employeeNumber !== 'string' || !EMPLOYEE_NUMBER.test(employeeNumber))
    throw new ValidationFailedError('The employee number must be 8 digits.', [{ field: 'employeeNumber', message: 'must be 8 digits' }]);
}

/**
 * The query of a people search: exactly one of employeeNumber, assignmentNumber, or all three of
 * lastName, dateOfBirth and niNumber, each in the contract's format. Error details name fields only.
 */
export function peopleSearchParams(criteria: PeopleCriteria): Record<string, string> {
  const c = criteria as Partial<Record<'employeeNumber' | 'assignmentNumber' | 'lastName' | 'dateOfBirth' | 'niNumber', unknown>>;
  const present = (['employeeNumber', 'assignmentNumber', 'lastName', 'dateOfBirth', 'niNumber'] as const).filter(
    (k) => c[k] !== undefined && c[k] !== null && c[k] !== '',
  );
  const invalid = (details: ErrorDetail[]): never => {
    throw new ValidationFailedError(
      'Search ESR by employee number, by assignment number, or by last name, date of birth and NI number.',
      details,
    );
  };
  const is = (keys: string[]): boolean =>
    present.length === keys.length && keys.every((k) => present.includes(k as (typeof present)[number]));
  if (is(['employeeNumber'])) {
    if (typeof c.employeeNumber !== 'string' || !EMPLOYEE_NUMBER.test(c.employeeNumber))
      invalid([{ field: 'employeeNumber', message: 'must be 8 digits' }]);
    return { employeeNumber: c.employeeNumber as string };
  }
  if (is(['assignmentNumber'])) {
    if (typeof c.assignmentNumber !== 'string' || !ASSIGNMENT_NUMBER.test(c.assignmentNumber))
      invalid([{ field: 'assignmentNumber', message: 'must be 8 digits, optionally followed by -N' }]);
    return { assignmentNumber: c.assignmentNumber as string };
  }
  if (is(['lastName', 'dateOfBirth', 'niNumber'])) {
    const details: ErrorDetail[] = [];
    const lastName = typeof c.lastName === 'string' ? c.lastName.trim() : '';
    const niNumber = typeof c.niNumber === 'string' ? c.niNumber.replace(/\s+/g, '').toUpperCase() : '';
    if (lastName.length === 0 || lastName.length > 100) details.push({ field: 'lastName', message: 'must be 1 to 100 characters' });
    if (!isIsoDate(c.dateOfBirth)) details.push({ field: 'dateOfBirth', message: 'must be a date (YYYY-MM-DD)' });
    if (!NI_NUMBER.test(niNumber))
      details.push({ field: 'niNumber', message: 'must be a National Insurance number: two letters, six digits and A, B, C or D' });
    if (details.length > 0) invalid(details);
    return { lastName, dateOfBirth: c.dateOfBirth as string, niNumber };
  }
  return invalid([
    { field: 'criteria', message: 'must be exactly one of: employeeNumber; assignmentNumber; lastName, dateOfBirth and niNumber' },
  ]);
}
