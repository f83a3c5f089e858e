/**
 * The identifier formats of the gateway and ESR contracts, and the sentences that explain them. The one
 * definition: DTOs, ESR response validation, the sync and the sandbox import from here.
 */

/** Portal user id: 1-128 characters of A-Z a-z 0-9 . _ @ - (case-insensitive: see canonicalPortalUserId). */
export const PORTAL_USER_ID = /^[A-Za-z0-9._@-]{1,128}$/;

/**
 * The one canonical form of a portal user id: lower case (the contract: ids are case-insensitive,
 * compared and stored in this form, and answers use it). Every edge that takes an id (path, body,
 * X-Acting-User, batch lists, import rows, the CLI) turns it into this form, once; everything behind
 * the edges (the self-mapping guard, mappings, the mirror, access, webhooks, audit) then compares
 * plain strings. The ids are ASCII (PORTAL_USER_ID), so no locale can change the result.
 */
export function canonicalPortalUserId(id: string): string {
  return id.toLowerCase();
}

/** A class-transformer `@Transform` body: strings to their canonical form, anything else untouched (validation names it). */
export const toCanonicalPortalUserId = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? canonicalPortalUserId(value)
    : Array.isArray(value)
      ? value.map((v) => toCanonicalPortalUserId({ value: v }))
      : value;
/** ESR VPD code: 3 digits, e.g. 979. */
export const VPD = /^\d{3}$/;
/** A comma-separated list of VPD codes, e.g. "979,123". */
export const VPD_LIST = /^\d{3}(,\d{3})*$/;
/** ESR employee number: 8 digits, e.g. 30581377. */
export const EMPLOYEE_NUMBER = /^\d{8}$/;
/** ESR assignment number: the employee number, optionally with "-N" (1-2 digits). */
export const ASSIGNMENT_NUMBER = /^\d{8}(-\d{1,2})?$/;
/** National Insurance number as ESR and the gateway contract write it: two letters, six digits, A-D. */
export const NI_NUMBER = /^[A-Z]{2}\d{6}[A-D]$/;

export const IDENTIFIER_MESSAGES = {
  portalUserId: 'portalUserId must be 1-128 characters of A-Z a-z 0-9 . _ @ -',
  vpd: 'vpd must be 3 digits, e.g. 979',
  employeeNumber: 'employeeNumber must be 8 digits, e.g. 30581377',
  assignmentNumber: 'assignmentNumber must be 8 digits, optionally followed by - and 1 or 2 digits, e.g. 30581377-2',
} as const;

/** The message of the portal's "Manage User" screen when either field is missing or empty (contract). */
export const MISSING_VPD_OR_EMPLOYEE_NUMBER = 'Please enter an employee number and vpd';
