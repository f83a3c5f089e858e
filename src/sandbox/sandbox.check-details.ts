import type { StaffGroup } from './sandbox.catalogue';
import type { EmploymentCheck } from './sandbox.types';

/*
 * The DBS and right-to-work details of ESR 1.1.0 (level, barred lists, Update Service; document type,
 * restrictions, follow-up date), derived from what a generated record already holds, so adding them
 * draws nothing from the random stream and every other generated value stays as it was. One record
 * in four (by employee number) keeps the ESR 1.0 shape without them, so clients see both.
 */

/** Staff groups whose DBS checks are enhanced with the barred lists (regulated activity with patients). */
const BARRED_LIST_GROUPS = new Set(['Additional Clinical Services', 'Students']);

function dbsDetails(group: StaffGroup, variant: number): Partial<EmploymentCheck> {
  if (group.registration || BARRED_LIST_GROUPS.has(group.name))
    return {
      level: 'ENHANCED_WITH_BARRED_LISTS',
      barredLists: variant === 0 ? ['ADULTS'] : ['ADULTS', 'CHILDREN'],
      updateService: variant !== 2,
    };
  const level = group.name === 'Estates and Ancillary' ? 'BASIC' : group.name === 'Administrative and Clerical' ? 'STANDARD' : 'ENHANCED';
  return { level, barredLists: [], updateService: variant === 1 };
}

function rightToWorkDetails(check: EmploymentCheck, variant: number): Partial<EmploymentCheck> {
  // A time-limited permission (a visa) is the one with an expiry date: it is checked again then.
  if (check.expiryDate !== null)
    return {
      documentType: variant === 0 ? 'Biometric residence permit' : 'eVisa (Home Office share code)',
      restrictions: variant === 1 ? 'Limited to 20 hours a week in term time' : 'Sponsored: work for this employer only',
      followUpDate: check.expiryDate,
    };
  return { documentType: variant === 2 ? 'Birth certificate and NI number' : 'UK passport', restrictions: null, followUpDate: null };
}

/** The person's checks with the ESR 1.1.0 details added to their DBS and right-to-work checks (done checks only). */
export function withCheckDetails(checks: EmploymentCheck[], employeeNumber: string, group: StaffGroup): EmploymentCheck[] {
  const variant = Number(employeeNumber) % 4;
  if (variant === 3) return checks;
  return checks.map((check) => {
    if (check.status === 'PENDING' || check.status === 'NOT_CHECKED') return check;
    if (check.type === 'DBS') return { ...check, ...dbsDetails(group, variant) };
    if (check.type === 'RIGHT_TO_WORK') return { ...check, ...rightToWorkDetails(check, variant) };
    return check;
  });
}
