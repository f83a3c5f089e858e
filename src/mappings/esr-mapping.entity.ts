import { EntitySchema } from 'typeorm';
import { DatabaseKind, instantColumnType } from '../database/column-types';

/** One "Manage User" row: a portal user linked to one ESR record (VPD + employee number). */
export class EsrMapping {
  id!: string;
  portalUserId!: string;
  vpd!: string;
  employeeNumber!: string;
  createdAt!: Date;
  createdBy!: string;
}

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
    },
    indices: [
      { name: 'uq_esr_mappings_record', columns: ['vpd', 'employeeNumber'], unique: true },
      { name: 'ix_esr_mappings_user', columns: ['portalUserId'] },
    ],
  });
}
