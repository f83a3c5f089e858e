import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from '../database/column-types';
import type { AccessState } from '../access/access.types';

export interface WatchedMapping {
  vpd: string;
  employeeNumber: string;
  state: AccessState;
}

/**
 * What the portal was last told (or would have been) about one user's access, and when it changes
 * next by time alone (the scheduler's index: due rows only, never a scan of every user).
 */
@Entity({ name: 'access_watch' })
@Index('ix_access_watch_next_check', ['nextCheckAt'])
export class AccessWatch {
  @PrimaryColumn({ name: 'portal_user_id', type: 'varchar', length: 128 })
  portalUserId!: string;

  @Column({ name: 'search_enabled', type: 'boolean' })
  searchEnabled!: boolean;

  @Column({ type: 'simple-json' })
  mappings!: WatchedMapping[];

  /** The user's nextChangeAt (or the instant a VPD's data turns stale), null when nothing is ahead. */
  @Column({ name: 'next_check_at', type: TIMESTAMP, nullable: true })
  nextCheckAt!: Date | null;

  @Column({ name: 'updated_at', type: TIMESTAMP })
  updatedAt!: Date;
}

/** Per VPD: the role data generation the monitor last evaluated the VPD's mappings against. */
@Entity({ name: 'access_vpd_marks' })
export class AccessVpdMark {
  @PrimaryColumn({ type: 'varchar', length: 3 })
  vpd!: string;

  @Column({ type: 'varchar', length: 200 })
  mark!: string;

  @Column({ name: 'updated_at', type: TIMESTAMP })
  updatedAt!: Date;
}
