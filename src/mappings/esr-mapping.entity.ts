import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../database/column-types';

/** One "Manage User" row: a portal user linked to one ESR record (VPD + employee number). */
@Entity({ name: 'esr_mappings' })
@Index('uq_esr_mappings_record', ['vpd', 'employeeNumber'], { unique: true })
@Index('ix_esr_mappings_user', ['portalUserId'])
@Index('ix_esr_mappings_check', ['checkAfter'])
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

  /** ESR confirmed the record exists in that VPD (a person lookup, or the record holds the role in the synced data). */
  @Column({ type: 'boolean', default: false })
  verified!: boolean;

  @Column({ name: 'verified_at', type: TIMESTAMP, nullable: true })
  verifiedAt!: Date | null;

  /** What the last check found: FOUND, NOT_FOUND (ESR has no such record in the VPD), or null (not checked yet). */
  @Column({ name: 'esr_status', type: 'varchar', length: 16, nullable: true })
  esrStatus!: EsrRecordStatus | null;

  /** Title, first and last name as ESR holds them (from the last person lookup); null when not known. */
  @Column({ name: 'display_name', type: 'varchar', length: 200, nullable: true })
  displayName!: string | null;

  /** When the background verifier should look at this row (again); null when there is nothing to check. */
  @Column({ name: 'check_after', type: TIMESTAMP, nullable: true })
  checkAfter!: Date | null;

  @Column({ name: 'check_attempts', type: 'integer', default: 0 })
  checkAttempts!: number;
}

export type EsrRecordStatus = 'FOUND' | 'NOT_FOUND';
