import { recordKey } from '../role-store/role.types';
import type { ImportRowErrorDto } from './dto/import-mappings.dto';
import type { RecordCheck } from './esr-record-checker';
import { MAX_MAPPINGS_PER_USER } from './identifiers';
import { alreadyMappedInVpd } from './mapping-rows';

/** A portal user's record in one VPD, as the database holds it (one person per VPD per account). */
export interface MappedInVpd {
  portalUserId: string;
  vpd: string;
  employeeNumber: string;
  displayName: string | null;
}

/** The key of `inVpd`: a portal user in one VPD. */
export const userVpdKey = (portalUserId: string, vpd: string): string => `${vpd}:${portalUserId}`;

/** A valid import row. */
export interface ImportRow {
  index: number;
  portalUserId: string;
  vpd: string;
  employeeNumber: string;
}

export interface ImportPlan {
  /** Rows to write, in index order, each with what the ESR check found (absent: not checked). */
  create: Array<ImportRow & { check?: RecordCheck }>;
  skipped: number;
  errors: ImportRowErrorDto[];
}

const describe = (r: Pick<ImportRow, 'vpd' | 'employeeNumber'>) => `VPD ${r.vpd} employee number ${r.employeeNumber}`;

/**
 * Decides every valid row of an import (pure). Rows are grouped by ESR record, so the outcome of a
 * row never depends on where it sits in the file, except when rows of two different portal users
 * claim the same record (a real conflict: the first such row wins):
 * - the record belongs to a portal user in the database: that user's rows are skipped, other
 *   users' rows are ESR_RECORD_MAPPED_TO_OTHER_USER;
 * - ESR reports the record unknown: every row of it is ESR_RECORD_NOT_FOUND;
 * - otherwise the first row is written and later rows of the same user are skipped, later rows of
 *   other users are ESR_RECORD_MAPPED_TO_OTHER_USER;
 * - a row whose user already has another record in that VPD (in the database, or an earlier row of
 *   this import) is ESR_USER_ALREADY_MAPPED_IN_VPD, naming it;
 * - a row that would take its user past MAX_MAPPINGS_PER_USER is VALIDATION_FAILED.
 * `owners` maps recordKey -> owning portal user; `counts` the users' current number of mappings;
 * `inVpd` maps userVpdKey -> the user's record in that VPD.
 */
export function planImport(
  rows: ImportRow[],
  owners: ReadonlyMap<string, string>,
  counts: ReadonlyMap<string, number>,
  checks?: ReadonlyMap<string, RecordCheck>,
  inVpd: ReadonlyMap<string, MappedInVpd> = new Map(),
): ImportPlan {
  const plan: ImportPlan = { create: [], skipped: 0, errors: [] };
  const groups = new Map<string, ImportRow[]>();
  for (const row of rows) {
    // A user's other record in the VPD (in the database) refuses the row before it can claim its record.
    const other = inVpd.get(userVpdKey(row.portalUserId, row.vpd));
    if (other && other.employeeNumber !== row.employeeNumber) {
      plan.errors.push(alreadyInVpd(row, other));
      continue;
    }
    const key = recordKey(row.vpd, row.employeeNumber);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const winners: ImportRow[] = [];
  for (const [key, group] of groups) {
    const owner = owners.get(key);
    const check = checks?.get(key);
    for (const [position, row] of group.entries()) {
      if (owner !== undefined) {
        if (owner === row.portalUserId) plan.skipped++;
        else
          plan.errors.push(
            mappedToOther(
              row,
              `The ESR record ${describe(row)} is already mapped to another portal user; one ESR record belongs to one portal account.`,
            ),
          );
      } else if (check?.status === 'NOT_FOUND') {
        plan.errors.push({
          index: row.index,
          error: 'ESR_RECORD_NOT_FOUND',
          message: `ESR has no record with employee number ${row.employeeNumber} in VPD ${row.vpd}; check the employee number and VPD.`,
        });
      } else if (position === 0) {
        winners.push(row);
      } else if (group[0].portalUserId === row.portalUserId) {
        plan.skipped++;
      } else {
        plan.errors.push({
          ...mappedToOther(
            row,
            `The ESR record ${describe(row)} is mapped to another portal user by an earlier row of this import (items[${group[0].index}]).`,
          ),
          relatedIndex: group[0].index,
        });
      }
    }
  }
  const used = new Map(counts);
  const taken = new Map<string, MappedInVpd & { index?: number }>(inVpd);
  for (const row of winners.sort((a, b) => a.index - b.index)) {
    const other = taken.get(userVpdKey(row.portalUserId, row.vpd));
    if (other && other.employeeNumber !== row.employeeNumber) {
      plan.errors.push(alreadyInVpd(row, other));
      continue;
    }
    const count = used.get(row.portalUserId) ?? 0;
    if (count >= MAX_MAPPINGS_PER_USER) {
      plan.errors.push({
        index: row.index,
        error: 'VALIDATION_FAILED',
        message: `Portal user ${row.portalUserId} already has the maximum of ${MAX_MAPPINGS_PER_USER} ESR mappings; delete one before adding another.`,
        details: [{ field: 'portalUserId', message: `at most ${MAX_MAPPINGS_PER_USER} ESR mappings per portal user` }],
      });
      continue;
    }
    used.set(row.portalUserId, count + 1);
    taken.set(userVpdKey(row.portalUserId, row.vpd), { ...row, displayName: null });
    plan.create.push({ ...row, check: checks?.get(recordKey(row.vpd, row.employeeNumber)) });
  }
  plan.errors.sort((a, b) => a.index - b.index);
  return plan;
}

function mappedToOther(row: ImportRow, message: string): ImportRowErrorDto {
  return { index: row.index, error: 'ESR_RECORD_MAPPED_TO_OTHER_USER', message };
}

function alreadyInVpd(row: ImportRow, other: MappedInVpd & { index?: number }): ImportRowErrorDto {
  const message =
    other.index === undefined
      ? alreadyMappedInVpd(other)
      : `Portal user ${row.portalUserId} is mapped to ${describe(other)} by row ${other.index} of this import; one portal account maps to one person per VPD.`;
  return {
    index: row.index,
    error: 'ESR_USER_ALREADY_MAPPED_IN_VPD',
    message,
    details: [{ field: 'employeeNumber', message: `already mapped to employee number ${other.employeeNumber} in VPD ${other.vpd}` }],
  };
}
