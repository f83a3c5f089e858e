import { EntitySchema } from 'typeorm';
import type { AccessState } from '../domain/access.types';
import { DatabaseKind, instantColumnType } from './column-types';

export interface WatchedMapping {
  vpd: string;
  employeeNumber: string;
  state: AccessState;
}

/**
 * What the portal was last told (or would have been) about one user's access, and when it changes
 * next by time alone (the scheduler's index: due rows only, never a scan of every user).
 */
export class AccessWatch {
  portalUserId!: string;
  searchEnabled!: boolean;
  mappings!: WatchedMapping[];
  /** The user's nextChangeAt (or the instant a VPD's data turns stale), null when nothing is ahead. */
  nextCheckAt!: Date | null;
  updatedAt!: Date;
}

/** Per VPD: the role data generation the monitor last evaluated the VPD's mappings against. */
export class AccessVpdMark {
  vpd!: string;
  mark!: string;
  updatedAt!: Date;
}

/** The `access_watch` table of AccessWatch on the given database (as the migrations create it). */
export function accessWatchSchema(kind: DatabaseKind): EntitySchema<AccessWatch> {
  return new EntitySchema<AccessWatch>({
    name: 'AccessWatch',
    target: AccessWatch,
    tableName: 'access_watch',
    columns: {
      portalUserId: { name: 'portal_user_id', type: 'varchar', length: 128, primary: true },
      searchEnabled: { name: 'search_enabled', type: 'boolean' },
      mappings: { type: 'simple-json' },
      nextCheckAt: { name: 'next_check_at', type: instantColumnType(kind), nullable: true },
      updatedAt: { name: 'updated_at', type: instantColumnType(kind) },
    },
    indices: [{ name: 'ix_access_watch_next_check', columns: ['nextCheckAt'] }],
  });
}

/** The `access_vpd_marks` table of AccessVpdMark on the given database. */
export function accessVpdMarkSchema(kind: DatabaseKind): EntitySchema<AccessVpdMark> {
  return new EntitySchema<AccessVpdMark>({
    name: 'AccessVpdMark',
    target: AccessVpdMark,
    tableName: 'access_vpd_marks',
    columns: {
      vpd: { type: 'varchar', length: 3, primary: true },
      mark: { type: 'varchar', length: 200 },
      updatedAt: { name: 'updated_at', type: instantColumnType(kind) },
    },
  });
}
