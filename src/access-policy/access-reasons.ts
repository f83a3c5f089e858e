import { formatDuration, formatUkDate, formatUkDateTime } from '../domain/uk-time';

/** Where the role is assigned in ESR (the seed guidance's navigation path). */
export const ESR_ROLE_NAVIGATION = 'HR Administration URP > Others > Supplementary Roles';

/**
 * The one-sentence reasons of the access object. Every sentence gives times in UK local time
 * (Europe/London) and ends with a full stop; the role name comes from ESR_ROLE_NAME and the delay
 * from ACTIVATION_DELAY. Identifiers (VPD, employee number) are fine to show; names never appear.
 */
export const AccessReasons = {
  activeOpenEnded(role: string, since: number): string {
    return `Role ${role} is assigned in ESR and Search ESR has been available since ${formatUkDateTime(since)} (UK time).`;
  },

  activeUntil(role: string, endDate: string | null, until: number): string {
    const end = endDate ? ` until its end date of ${formatUkDate(endDate)}` : '';
    return `Role ${role} is assigned in ESR${end}; Search ESR is available until ${formatUkDateTime(until)} (UK time).`;
  },

  /** Waiting for the activation delay after the role was assigned (the ESR guidance's 24 hours). */
  pendingDelay(role: string, assignedAt: number, delayMs: number, from: number): string {
    const when = delayMs > 0 ? `${formatDuration(delayMs)} later, on ${formatUkDateTime(from)}` : `on ${formatUkDateTime(from)}`;
    return `Role ${role} was assigned in ESR on ${formatUkDateTime(assignedAt)}; Search ESR becomes available ${when} (UK time).`;
  },

  /** The role's start date in ESR is still ahead. */
  pendingStartDate(role: string, assignedAt: number, startDate: string, from: number): string {
    return (
      `Role ${role} was assigned in ESR on ${formatUkDateTime(assignedAt)} with a start date of ${formatUkDate(startDate)}; ` +
      `Search ESR becomes available on ${formatUkDateTime(from)} (UK time).`
    );
  },

  /** The record held the role but its end date has passed. */
  ended(role: string, endDate: string | null, until: number): string {
    const end = endDate ? ` had an end date of ${formatUkDate(endDate)}` : ' has ended';
    return `Role ${role} in ESR${end}; Search ESR stopped being available on ${formatUkDateTime(until)} (UK time).`;
  },

  noRole(role: string, vpd: string, employeeNumber: string, lastSyncedAt: number, delayMs: number): string {
    const delay = delayMs > 0 ? ` and Search ESR becomes available ${formatDuration(delayMs)} after it is assigned` : '';
    return (
      `ESR has no current assignment of the role ${role} for employee number ${employeeNumber} in VPD ${vpd} ` +
      `(last synced ${formatUkDateTime(lastSyncedAt)} UK time); assign the role in ESR ` +
      `(ESR navigation path: ${ESR_ROLE_NAVIGATION})${delay}.`
    );
  },

  recordInactive(role: string, vpd: string, employeeNumber: string): string {
    return (
      `The ESR record for employee number ${employeeNumber} in VPD ${vpd} is not active (for example, the person has left), ` +
      `so the role ${role} does not give access to Search ESR.`
    );
  },

  notSynced(role: string, vpd: string): string {
    return `VPD ${vpd} has not been synced from ESR yet, so the role ${role} cannot be confirmed; Search ESR becomes available once the VPD has been synced.`;
  },

  notServed(vpd: string): string {
    return `VPD ${vpd} is not one of the VPDs this gateway serves, so Search ESR is not available for it.`;
  },

  stale(vpd: string, lastSyncedAt: number, maxStalenessMs: number): string {
    return (
      `The ESR data for VPD ${vpd} was last synced on ${formatUkDateTime(lastSyncedAt)} (UK time), more than ` +
      `${formatDuration(maxStalenessMs)} ago, so Search ESR is unavailable until the next successful sync.`
    );
  },

  /**
   * ESR_VPDS is unset and the sync, which reads every VPD ESR lists, has synced others but never
   * this one: most likely ESR does not list it (a wrong VPD), unless it was added to ESR since.
   */
  notListed(vpd: string): string {
    return (
      `ESR does not list VPD ${vpd} for this gateway, or has only just added it: no sync has found it, so Search ESR is not ` +
      `available for it; check the VPD entered via Manage User.`
    );
  },

  notFoundInEsr(vpd: string, employeeNumber: string): string {
    return (
      `ESR has no record with employee number ${employeeNumber} in VPD ${vpd}; check the employee number and VPD ` +
      `entered via Manage User, delete this mapping and add the right one.`
    );
  },

  /** Appended while ESR has not confirmed the record (it could not be reached when the mapping was saved). */
  unverified(vpd: string, employeeNumber: string): string {
    return (
      `ESR has not yet confirmed employee number ${employeeNumber} in VPD ${vpd} (ESR could not be reached when the ` +
      `mapping was saved); the gateway checks it again at the next sync.`
    );
  },

  /** Top-level reason of a user with no mappings (step 2 of the seed guidance). */
  noMappings(): string {
    return (
      'No ESR record is mapped to this portal user yet; ask your Local System Administrator to add your ESR employee ' +
      'number and VPD via Manage User.'
    );
  },

  /**
   * A reconciliation row: ESR holds the role for a record nobody is mapped to, so it gives nobody
   * access; `from` is when the role is (or becomes) in effect.
   */
  unmappedHolder(role: string, vpd: string, employeeNumber: string, from: number, now: number): string {
    const when = from <= now ? `in effect since ${formatUkDateTime(from)}` : `in effect from ${formatUkDateTime(from)}`;
    return (
      `Employee number ${employeeNumber} holds the role ${role} in ESR (${when}, UK time) but nobody is mapped to the record ` +
      `in VPD ${vpd}, so no portal account has Search ESR from it; a Local System Administrator adds the ESR employee ` +
      `number and VPD to the person's portal account via Manage User.`
    );
  },

  notMapped(vpd: string): string {
    return `No ESR record in VPD ${vpd} is mapped to this portal user; a Local System Administrator adds it through Manage User.`;
  },
};
