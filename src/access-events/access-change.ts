import type { AccessState, UserAccess } from '../domain/access.types';
import type { WatchedMapping } from '../database/access-watch.entity';

/** The event type of the contract. */
export const ACCESS_CHANGED = 'esr-access.changed';

/** What caused a change: a mapping write, new role data from a sync, time passing, or an ESR check. */
export type ChangeCause = 'mapping' | 'sync' | 'time' | 'verification' | 'refresh';

export interface WatchedAccess {
  searchEnabled: boolean;
  mappings: WatchedMapping[];
}

export interface AccessChangedMapping {
  vpd: string;
  employeeNumber: string;
  /** Null when the mapping was removed. */
  state: AccessState | null;
  /** Null when the mapping is new. */
  previousState: AccessState | null;
}

/** The body POSTed to WEBHOOK_URL (gateway API contract, "Access-change events"). */
export interface AccessChangedEvent {
  id: string;
  type: typeof ACCESS_CHANGED;
  occurredAt: string;
  /** Increases per portal user (1, 2, 3...): receivers drop an event older than one they applied. */
  sequence: number;
  portalUserId: string;
  searchEnabled: boolean;
  previousSearchEnabled: boolean;
  nextChangeAt: string | null;
  cause: ChangeCause;
  mappings: AccessChangedMapping[];
}

export const watchedOf = (access: UserAccess): WatchedAccess => ({
  searchEnabled: access.searchEnabled,
  mappings: access.mappings.map((m) => ({ vpd: m.vpd, employeeNumber: m.employeeNumber, state: m.state })),
});

const key = (m: { vpd: string; employeeNumber: string }) => `${m.vpd}:${m.employeeNumber}`;

/**
 * The mappings whose state differs between what was last notified and now (added, removed or
 * changed), or null when nothing a receiver cares about changed (searchEnabled and every state).
 * Pure.
 */
export function diffAccess(previous: WatchedAccess, current: WatchedAccess): AccessChangedMapping[] | null {
  const before = new Map(previous.mappings.map((m) => [key(m), m.state]));
  const after = new Map(current.mappings.map((m) => [key(m), m.state]));
  const changes: AccessChangedMapping[] = [];
  for (const m of current.mappings) {
    const was = before.get(key(m)) ?? null;
    if (was !== m.state) changes.push({ vpd: m.vpd, employeeNumber: m.employeeNumber, state: m.state, previousState: was });
  }
  for (const m of previous.mappings) {
    if (!after.has(key(m))) changes.push({ vpd: m.vpd, employeeNumber: m.employeeNumber, state: null, previousState: m.state });
  }
  if (changes.length === 0 && previous.searchEnabled === current.searchEnabled) return null;
  const all: AccessChangedMapping[] = current.mappings.map((m) => ({
    vpd: m.vpd,
    employeeNumber: m.employeeNumber,
    state: m.state,
    previousState: before.get(key(m)) ?? null,
  }));
  return all.concat(changes.filter((c) => c.state === null));
}
