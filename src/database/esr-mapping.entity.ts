import { EntitySchema } from 'typeorm';
import { DatabaseKind, instantColumnType } from './column-types';

/** One "Manage User" row: a portal user linked to one ESR record (VPD + employee number). */
export class EsrMapping {
  id!: string;
  portalUserId!: string;
  vpd!: string;
  employeeNumber!: string;
  createdAt!: Date;
  createdBy!: string;

  /** ESR confirmed the record exists in that VPD (a person lookup, or the record holds the role in the synced data). */
  verified!: boolean;
  verifiedAt!: Date | null;
  /** What the last check found: FOUND, NOT_FOUND (ESR has no such record in the VPD), or null (not checked yet). */
  esrStatus!: EsrRecordStatus | null;
  /** Title, first and last name as ESR holds them (from the last person lookup); null when not known. */
  displayName!: string | null;
  /** When the background verifier should look at this row (again); null when there is nothing to check. */
  checkAfter!: Date | null;
  checkAttempts!: number;
}

export type EsrRecordStatus = 'FOUND' | 'NOT_FOUND';

/** The `esr_mappings` table of EsrMapping on the given database (as the migrations create it). */
export function esrMappingSchema(kind: DatabaseKind): EntitySchema<EsrMapping> {
  return new EntitySchema<EsrMapping>({
    name: 'EsrMapping',
    target: EsrMapping,
    tableName: 'esr_mappings',
    columns: {
      id: { type: 'uuid', primary: true, generated: 'uuid' },
      portalUserId: { name: 'portal_user_id', type: 'varchar', length: 128 },
      vpd: { type: 'varchar', length: 3 },
      employeeNumber: { name: 'employee_number', type: 'varchar', length: 8 },
      createdAt: { name: 'created_at', type: instantColumnType(kind) },
      createdBy: { name: 'created_by', type: 'varchar', length: 128 },
      verified: { type: 'boolean', default: false },
      verifiedAt: { name: 'verified_at', type: instantColumnType(kind), nullable: true },
      esrStatus: { name: 'esr_status', type: 'varchar', length: 16, nullable: true },
      displayName: { name: 'display_name', type: 'varchar', length: 200, nullable: true },
      checkAfter: { name: 'check_after', type: instantColumnType(kind), nullable: true },
      checkAttempts: { name: 'check_attempts', type: 'integer', default: 0 },
    },
    indices: [
      { name: 'uq_esr_mappings_record', columns: ['vpd', 'employeeNumber'], unique: true },
      { name: 'ix_esr_mappings_user', columns: ['portalUserId'] },
      { name: 'uq_esr_mappings_user_vpd', columns: ['portalUserId', 'vpd'], unique: true },
      { name: 'ix_esr_mappings_check', columns: ['checkAfter'] },
    ],
  });
}
