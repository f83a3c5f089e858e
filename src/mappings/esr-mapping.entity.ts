import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../database/column-types';

/** One "Manage User" row: a portal user linked to one ESR record (VPD + employee number). */
@Entity({ name: 'esr_mappings' })
@Index('uq_esr_mappings_record', ['vpd', 'employeeNumber'], { unique: true })
@Index('ix_esr_mappings_user', ['portalUserId'])
export class EsrMapping {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'portal_user_id', type: 'varchar', length: 128 })
  portalUserId!: string;

  @Column({ type: 'varchar', length: 3 })
  vpd!: string;

  @Column({ name: 'employee_number', type: 'varchar', length: 8 })
  employeeNumber!: string;

  @Column({ name: 'created_at', type: TIMESTAMP })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 128 })
  createdBy!: string;
}
