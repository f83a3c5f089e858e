import type { EsrRoleAssignment, EsrRoleChange, EsrVpd } from './esr.types';
import { displayNameOf } from '../domain/display-name';
import { EMPLOYEE_NUMBER, VPD } from '../domain/identifiers';
import {
  array,
  boolean,
  ContractViolation,
  date,
  dateTime,
  fail,
  isObject,
  nonEmptyString,
  nullableDate,
  nullableString,
  object,
  oneOf,
  sameVpd,
  string,
} from './esr.json-fields';
import { PERSON_TYPES } from './esr.person-parsing';

/*
 * Explicit validators for ESR's wire format (../shared/contracts/esr-api.yaml), written by hand so they
 * are fast on million-row listings and map straight to the gateway's types: here the VPD, role-assignment
 * and role-change items and the envelopes around every answer (JSON, items, pages, token, error body);
 * person records in esr.person-parsing.ts, the field readers and ContractViolation in esr.json-fields.ts.
 * A failure carries a reason made of the field path and what was expected, never the value itself
 * (values may be personal data).
 */

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
    displayName: holderName(person),
  };
}

/**
 * The holder's display name from person.title, firstName and lastName (optional since ESR 1.1.0).
 * Names are for display only: a part that is not a string is left out rather than the row (whose
 * role decides access) being skipped.
 */
function holderName(person: Record<string, unknown>): string | null {
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  return displayNameOf({ title: text(person.title), firstName: text(person.firstName), lastName: text(person.lastName) });
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
