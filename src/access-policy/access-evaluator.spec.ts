import { DateTime } from 'luxon';
import type { AccessSnapshot, CachedRole, VpdSnapshot } from '../role-store/role.types';
import { FakeClock } from '../common/clock/clock';
import { UK_ZONE } from '../domain/uk-time';
import { AccessPolicy, buildUserAccess, decideForVpd, evaluateMapping, nextChangeAt, validUntil } from './access-evaluator';
import type { AccessState, MappingAccess } from '../domain/access.types';

const HOUR = 3_600_000;
const ROLE = 'Digital Passport Administrator';
const KEY = { vpd: '979', employeeNumber: '30581377' };
const POLICY: AccessPolicy = { roleName: ROLE, activationDelayMs: 24 * HOUR, maxStalenessMs: 26 * HOUR };

/** A cached role with its window computed independently by the sync's rules (UK dates, elapsed-time delay). */
function role(
  assignedAt: string,
  startDate: string,
  endDate: string | null = null,
  options: { delayMs?: number; personActive?: boolean } = {},
): CachedRole {
  const delay = options.delayMs ?? POLICY.activationDelayMs;
  const activated = Date.parse(assignedAt) + delay;
  const starts = DateTime.fromISO(startDate, { zone: UK_ZONE }).startOf('day').toMillis();
  const until = endDate ? DateTime.fromISO(endDate, { zone: UK_ZONE }).plus({ days: 1 }).startOf('day').toMillis() : null;
  return {
    assignmentId: `a-${assignedAt}`,
    employeeNumber: KEY.employeeNumber,
    assignedAt: new Date(assignedAt).toISOString(),
    startDate,
    endDate,
    effectiveFrom: new Date(Math.max(activated, starts)).toISOString(),
    effectiveUntil: until === null ? null : new Date(until).toISOString(),
    personActive: options.personActive ?? true,
  };
}

function snapshot(roles: CachedRole[], lastSuccessAt: string | null | undefined, vpd = KEY.vpd): AccessSnapshot {
  const vpds = new Map<string, VpdSnapshot>();
  if (lastSuccessAt !== undefined) vpds.set(vpd, { vpd, state: 'IDLE', lastSuccessAt, lastFullSyncAt: lastSuccessAt });
  return { vpds, roles: new Map(roles.length ? [[`${KEY.vpd}:${KEY.employeeNumber}`, roles]] : []) };
}

interface Case {
  name: string;
  now: string;
  roles: CachedRole[];
  /** Last successful sync, relative to now (ms before), or null/undefined for never/absent. */
  syncedAgoMs?: number | null;
  policy?: Partial<AccessPolicy>;
  state: AccessState;
  effectiveFrom?: string | null;
  effectiveUntil?: string | null;
  reason: string;
}

const ASSIGNED = '2026-11-25T10:12:00Z';

const CASES: Case[] = [
  {
    name: 'pending inside the 24 hours after assignment (the contract sentence)',
    now: '2026-11-25T10:20:00Z',
    roles: [role(ASSIGNED, '2026-11-25')],
    state: 'PENDING_ACTIVATION',
    effectiveFrom: '2026-11-26T10:12:00.000Z',
    effectiveUntil: null,
    reason:
      'Role Digital Passport Administrator was assigned in ESR on 25 Nov 2026 at 10:12; Search ESR becomes available 24 hours later, on 26 Nov 2026 at 10:12 (UK time).',
  },
  {
    name: 'active from the exact instant the delay has run',
    now: '2026-11-26T10:12:00Z',
    roles: [role(ASSIGNED, '2026-11-25')],
    state: 'ACTIVE',
    effectiveFrom: '2026-11-26T10:12:00.000Z',
    effectiveUntil: null,
    reason:
      'Role Digital Passport Administrator is assigned in ESR and Search ESR has been available since 26 Nov 2026 at 10:12 (UK time).',
  },
  {
    name: 'active with an end date: until the start of the next UK day',
    now: '2026-11-28T12:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25', '2026-11-30')],
    state: 'ACTIVE',
    effectiveFrom: '2026-11-26T10:12:00.000Z',
    effectiveUntil: '2026-12-01T00:00:00.000Z',
    reason:
      'Role Digital Passport Administrator is assigned in ESR until its end date of 30 Nov 2026; Search ESR is available until 1 Dec 2026 at 00:00 (UK time).',
  },
  {
    name: 'no role once the end date has passed',
    now: '2026-12-01T00:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25', '2026-11-30')],
    state: 'NO_ROLE',
    effectiveFrom: '2026-11-26T10:12:00.000Z',
    effectiveUntil: '2026-12-01T00:00:00.000Z',
    reason:
      'Role Digital Passport Administrator in ESR had an end date of 30 Nov 2026; Search ESR stopped being available on 1 Dec 2026 at 00:00 (UK time).',
  },
  {
    name: 'no role when the record holds no assignment',
    now: '2026-11-25T10:20:00Z',
    roles: [],
    state: 'NO_ROLE',
    effectiveFrom: null,
    effectiveUntil: null,
    reason:
      'ESR has no current assignment of the role Digital Passport Administrator for employee number 30581377 in VPD 979 (last synced 25 Nov 2026 at 10:15 UK time); assign the role in ESR (ESR navigation path: HR Administration URP > Others > Supplementary Roles) and Search ESR becomes available 24 hours after it is assigned.',
  },
  {
    name: 'no role when the role was end-dated before the delay ran out (empty window)',
    now: '2026-11-25T12:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25', '2026-11-25')],
    state: 'NO_ROLE',
    effectiveFrom: null,
    reason:
      'ESR has no current assignment of the role Digital Passport Administrator for employee number 30581377 in VPD 979 (last synced 25 Nov 2026 at 11:55 UK time); assign the role in ESR (ESR navigation path: HR Administration URP > Others > Supplementary Roles) and Search ESR becomes available 24 hours after it is assigned.',
  },
  {
    name: 'record inactive beats an otherwise active role',
    now: '2026-11-27T10:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25', null, { personActive: false })],
    state: 'RECORD_INACTIVE',
    effectiveFrom: null,
    effectiveUntil: null,
    reason:
      'The ESR record for employee number 30581377 in VPD 979 is not active (for example, the person has left), so the role Digital Passport Administrator does not give access to Search ESR.',
  },
  {
    name: 'not synced when the VPD has never been synced',
    now: '2026-11-27T10:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25')],
    syncedAgoMs: null,
    state: 'NOT_SYNCED',
    effectiveFrom: null,
    reason:
      'VPD 979 has not been synced from ESR yet, so the role Digital Passport Administrator cannot be confirmed; Search ESR becomes available once the VPD has been synced.',
  },
  {
    name: 'not synced when the VPD is outside ESR_VPDS, even with fresh data',
    now: '2026-11-27T10:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25')],
    policy: { servedVpds: ['123'] },
    state: 'NOT_SYNCED',
    reason: 'VPD 979 is not one of the VPDs this gateway serves, so Search ESR is not available for it.',
  },
  {
    name: 'stale one millisecond past the staleness limit, never active',
    now: '2026-11-27T10:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25')],
    syncedAgoMs: 26 * HOUR + 1,
    state: 'STALE',
    effectiveFrom: null,
    reason:
      'The ESR data for VPD 979 was last synced on 26 Nov 2026 at 07:59 (UK time), more than 26 hours ago, so Search ESR is unavailable until the next successful sync.',
  },
  {
    name: 'still active exactly at the staleness limit',
    now: '2026-11-27T10:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25')],
    syncedAgoMs: 26 * HOUR,
    state: 'ACTIVE',
    reason:
      'Role Digital Passport Administrator is assigned in ESR and Search ESR has been available since 26 Nov 2026 at 10:12 (UK time).',
  },
  {
    name: 'stale beats record inactive',
    now: '2026-11-27T10:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25', null, { personActive: false })],
    syncedAgoMs: 30 * HOUR,
    state: 'STALE',
    reason:
      'The ESR data for VPD 979 was last synced on 26 Nov 2026 at 04:00 (UK time), more than 26 hours ago, so Search ESR is unavailable until the next successful sync.',
  },
  {
    name: 'pending on a future start date',
    now: '2026-11-27T10:00:00Z',
    roles: [role(ASSIGNED, '2026-12-07', '2027-01-31')],
    state: 'PENDING_ACTIVATION',
    effectiveFrom: '2026-12-07T00:00:00.000Z',
    effectiveUntil: '2027-02-01T00:00:00.000Z',
    reason:
      'Role Digital Passport Administrator was assigned in ESR on 25 Nov 2026 at 10:12 with a start date of 7 Dec 2026; Search ESR becomes available on 7 Dec 2026 at 00:00 (UK time).',
  },
  {
    name: 'pending across the spring clock change (24 elapsed hours: 10:12 GMT to 11:12 BST)',
    now: '2026-03-28T12:00:00Z',
    roles: [role('2026-03-28T10:12:00Z', '2026-03-28')],
    state: 'PENDING_ACTIVATION',
    effectiveFrom: '2026-03-29T10:12:00.000Z',
    reason:
      'Role Digital Passport Administrator was assigned in ESR on 28 Mar 2026 at 10:12; Search ESR becomes available 24 hours later, on 29 Mar 2026 at 11:12 (UK time).',
  },
  {
    name: 'pending across the autumn clock change (10:12 BST to 09:12 GMT)',
    now: '2026-10-24T12:00:00Z',
    roles: [role('2026-10-24T09:12:00Z', '2026-10-24')],
    state: 'PENDING_ACTIVATION',
    effectiveFrom: '2026-10-25T09:12:00.000Z',
    reason:
      'Role Digital Passport Administrator was assigned in ESR on 24 Oct 2026 at 10:12; Search ESR becomes available 24 hours later, on 25 Oct 2026 at 09:12 (UK time).',
  },
  {
    name: 'a start date in summer time starts at 00:00 BST (23:00 UTC the day before)',
    now: '2026-03-20T12:00:00Z',
    roles: [role('2026-03-20T09:00:00Z', '2026-04-01')],
    state: 'PENDING_ACTIVATION',
    effectiveFrom: '2026-03-31T23:00:00.000Z',
    reason:
      'Role Digital Passport Administrator was assigned in ESR on 20 Mar 2026 at 09:00 with a start date of 1 Apr 2026; Search ESR becomes available on 1 Apr 2026 at 00:00 (UK time).',
  },
  {
    name: 'an end date in summer time ends at 00:00 BST the next day',
    now: '2026-06-15T12:00:00Z',
    roles: [role('2026-06-01T09:00:00Z', '2026-06-01', '2026-06-30')],
    state: 'ACTIVE',
    effectiveUntil: '2026-06-30T23:00:00.000Z',
    reason:
      'Role Digital Passport Administrator is assigned in ESR until its end date of 30 Jun 2026; Search ESR is available until 1 Jul 2026 at 00:00 (UK time).',
  },
  {
    name: 'a role assigned again before the old one ended reads as one continuous stretch',
    now: '2026-11-30T12:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25', '2026-11-30'), role('2026-11-29T09:00:00Z', '2026-11-29')],
    state: 'ACTIVE',
    effectiveFrom: '2026-11-26T10:12:00.000Z',
    effectiveUntil: null,
    reason:
      'Role Digital Passport Administrator is assigned in ESR and Search ESR has been available since 26 Nov 2026 at 10:12 (UK time).',
  },
  {
    name: 'the delay phrased from ACTIVATION_DELAY (PT12H)',
    now: '2026-11-25T12:00:00Z',
    roles: [role(ASSIGNED, '2026-11-25', null, { delayMs: 12 * HOUR })],
    policy: { activationDelayMs: 12 * HOUR },
    state: 'PENDING_ACTIVATION',
    effectiveFrom: '2026-11-25T22:12:00.000Z',
    reason:
      'Role Digital Passport Administrator was assigned in ESR on 25 Nov 2026 at 10:12; Search ESR becomes available 12 hours later, on 25 Nov 2026 at 22:12 (UK time).',
  },
  {
    name: 'the role name from ESR_ROLE_NAME',
    now: '2026-11-25T10:20:00Z',
    roles: [role(ASSIGNED, '2026-11-25')],
    policy: { roleName: 'Passport Admin' },
    state: 'PENDING_ACTIVATION',
    reason:
      'Role Passport Admin was assigned in ESR on 25 Nov 2026 at 10:12; Search ESR becomes available 24 hours later, on 26 Nov 2026 at 10:12 (UK time).',
  },
];

describe(evaluateMapping.name, () => {
  it.each(CASES)('should answer $state: $name', (c) => {
    const clock = new FakeClock(Date.parse(c.now));
    const syncedAgo = c.syncedAgoMs === undefined ? 5 * 60_000 : c.syncedAgoMs;
    const lastSuccessAt = syncedAgo === null ? null : new Date(clock.nowMs() - syncedAgo).toISOString();
    const result = evaluateMapping(KEY, snapshot(c.roles, lastSuccessAt), clock.nowMs(), { ...POLICY, ...c.policy });
    expect(result.state).toBe(c.state);
    expect(result.reason).toBe(c.reason);
    if (c.effectiveFrom !== undefined) expect(result.effectiveFrom).toBe(c.effectiveFrom);
    if (c.effectiveUntil !== undefined) expect(result.effectiveUntil).toBe(c.effectiveUntil);
    expect(result.lastSyncedAt).toBe(lastSuccessAt);
  });

  it('should answer NOT_SYNCED when the VPD is absent from the snapshot', () => {
    const result = evaluateMapping(KEY, snapshot([], undefined), Date.parse('2026-11-25T10:00:00Z'), POLICY);
    expect(result).toMatchObject({ state: 'NOT_SYNCED', lastSyncedAt: null, effectiveFrom: null, effectiveUntil: null });
  });

  it('should move from PENDING_ACTIVATION to ACTIVE to NO_ROLE as the clock advances', () => {
    const clock = new FakeClock(Date.parse('2026-11-25T10:20:00Z'));
    const roles = [role(ASSIGNED, '2026-11-25', '2026-11-30')];
    const at = () => {
      const snap = snapshot(roles, new Date(clock.nowMs() - 60_000).toISOString());
      return evaluateMapping(KEY, snap, clock.nowMs(), POLICY).state;
    };
    expect(at()).toBe('PENDING_ACTIVATION');
    clock.set('2026-11-26T10:11:59.999Z');
    expect(at()).toBe('PENDING_ACTIVATION');
    clock.advance(1);
    expect(at()).toBe('ACTIVE');
    clock.set('2026-11-30T23:59:59.999Z');
    expect(at()).toBe('ACTIVE');
    clock.advance(1);
    expect(at()).toBe('NO_ROLE');
  });
});

const mapping = (over: Partial<MappingAccess>): MappingAccess => ({
  vpd: '979',
  employeeNumber: '30581377',
  state: 'NO_ROLE',
  effectiveFrom: null,
  effectiveUntil: null,
  reason: 'r',
  lastSyncedAt: '2026-11-25T10:00:00.000Z',
  verified: true,
  ...over,
});

describe(nextChangeAt.name, () => {
  const now = Date.parse('2026-11-25T12:00:00Z');

  it('should pick the earliest future effectiveFrom or effectiveUntil among the mappings', () => {
    const mappings = [
      mapping({ effectiveFrom: '2026-11-20T00:00:00.000Z', effectiveUntil: '2026-12-01T00:00:00.000Z' }),
      mapping({ effectiveFrom: '2026-11-26T10:12:00.000Z' }),
      mapping({ effectiveFrom: '2026-11-25T11:00:00.000Z', effectiveUntil: '2026-11-25T11:30:00.000Z' }),
    ];
    expect(nextChangeAt(mappings, now)).toBe('2026-11-26T10:12:00.000Z');
  });

  it('should be null when nothing lies ahead', () => {
    expect(nextChangeAt([mapping({ effectiveFrom: '2026-11-20T00:00:00.000Z' })], now)).toBeNull();
    expect(nextChangeAt([], now)).toBeNull();
  });

  it('should not count an instant equal to now as a future change', () => {
    expect(nextChangeAt([mapping({ effectiveFrom: new Date(now).toISOString() })], now)).toBeNull();
  });
});

describe(buildUserAccess.name, () => {
  it('should enable search and list the VPD when one mapping is ACTIVE, and give nextChangeAt and asOf', () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    const snap = snapshot([role(ASSIGNED, '2026-11-25', '2026-11-30')], new Date(now - 60_000).toISOString());
    snap.vpds.set('123', { vpd: '123', state: 'IDLE', lastSuccessAt: new Date(now).toISOString(), lastFullSyncAt: null });
    const access = buildUserAccess(
      'hiran',
      [KEY, { vpd: '123', employeeNumber: '11111111' }, { vpd: '555', employeeNumber: '22222222' }],
      snap,
      now,
      POLICY,
    );
    expect(access).toMatchObject({
      portalUserId: 'hiran',
      searchEnabled: true,
      enabledVpds: ['979'],
      asOf: '2026-11-28T12:00:00.000Z',
      nextChangeAt: '2026-12-01T00:00:00.000Z',
    });
    expect(access.mappings.map((m) => m.state)).toEqual(['ACTIVE', 'NO_ROLE', 'NOT_SYNCED']);
  });

  it('should answer searchEnabled false with no mappings', () => {
    const access = buildUserAccess('nobody', [], snapshot([], undefined), Date.parse('2026-11-28T12:00:00Z'), POLICY);
    expect(access).toEqual({
      portalUserId: 'nobody',
      searchEnabled: false,
      enabledVpds: [],
      asOf: '2026-11-28T12:00:00.000Z',
      nextChangeAt: null,
      mappings: [],
      reason:
        'No ESR record is mapped to this portal user yet; ask your Local System Administrator to add your ESR employee number and VPD via Manage User.',
    });
  });
});

describe('evaluateMapping with ESR checks and support contact', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  const synced = () => snapshot([], '2026-11-28T11:00:00.000Z');

  it('should answer NOT_FOUND_IN_ESR for a record a check found unknown, naming VPD and employee number', () => {
    const result = evaluateMapping({ ...KEY, verified: false, esrStatus: 'NOT_FOUND' }, synced(), now, POLICY);
    expect(result).toMatchObject({ state: 'NOT_FOUND_IN_ESR', verified: false });
    expect(result.reason).toBe(
      'ESR has no record with employee number 30581377 in VPD 979; check the employee number and VPD entered via Manage User, delete this mapping and add the right one.',
    );
  });

  it('should say a NO_ROLE record is not confirmed in ESR yet while unverified', () => {
    const result = evaluateMapping({ ...KEY, verified: false, esrStatus: null }, synced(), now, POLICY);
    expect(result.state).toBe('NO_ROLE');
    expect(result.reason).toContain('HR Administration URP > Others > Supplementary Roles');
    expect(result.reason).toContain('ESR has not yet confirmed employee number 30581377 in VPD 979');
  });

  it('should say a VPD ESR does not list is not listed, with the support contact', () => {
    const policy = { ...POLICY, listedVpds: new Set(['123']), supportContact: 'Contact the passport service desk on 0800 000 000.' };
    const result = evaluateMapping({ ...KEY, verified: false, esrStatus: null }, snapshot([], undefined), now, policy);
    expect(result.state).toBe('NOT_SYNCED');
    expect(evaluateMapping(KEY, snapshot([], undefined), now, policy).reason).toContain('has not been synced from ESR yet');
    expect(result.reason).toBe(
      'ESR does not list VPD 979 for this gateway, or has only just added it: no sync has found it, so Search ESR is not available for it; check the VPD entered via Manage User. ESR has not yet confirmed employee number 30581377 in VPD 979 (ESR could not be reached when the mapping was saved); the gateway checks it again at the next sync. Contact the passport service desk on 0800 000 000.',
    );
  });

  it('should add the support contact only where a person cannot act themselves', () => {
    const policy = { ...POLICY, supportContact: 'Call support.' };
    expect(evaluateMapping(KEY, snapshot([], undefined), now, policy).reason).toMatch(/Call support\.$/);
    expect(evaluateMapping(KEY, synced(), now, policy).reason).not.toContain('Call support.');
  });
});

describe(validUntil.name, () => {
  it('should end at the moment fresh data turns stale when that comes before the next change', () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    const access = buildUserAccess('u', [KEY], snapshot([role(ASSIGNED, '2026-11-25')], '2026-11-28T11:00:00.000Z'), now, POLICY);
    expect(validUntil(access, now, POLICY.maxStalenessMs)).toBe(Date.parse('2026-11-29T13:00:00Z'));
  });

  it('should end at nextChangeAt when that comes first', () => {
    const now = Date.parse('2026-11-25T10:20:00Z');
    const access = buildUserAccess('u', [KEY], snapshot([role(ASSIGNED, '2026-11-25')], '2026-11-25T10:15:00.000Z'), now, POLICY);
    expect(validUntil(access, now, POLICY.maxStalenessMs)).toBe(Date.parse('2026-11-26T10:12:00Z'));
  });
});

describe(decideForVpd.name, () => {
  const base = { portalUserId: 'u', searchEnabled: false, enabledVpds: [], asOf: '2026-11-25T10:00:00.000Z', nextChangeAt: null };

  it('should allow the VPD with an ACTIVE mapping', () => {
    const access = {
      ...base,
      mappings: [mapping({ state: 'NO_ROLE', employeeNumber: '1' }), mapping({ state: 'ACTIVE', employeeNumber: '2', reason: 'ok' })],
    };
    expect(decideForVpd(access, '979')).toMatchObject({ allowed: true, state: 'ACTIVE', reason: 'ok' });
  });

  it('should refuse with the reason of the mapping in that VPD', () => {
    const access = { ...base, mappings: [mapping({ state: 'PENDING_ACTIVATION', reason: 'pending sentence' })] };
    expect(decideForVpd(access, '979')).toMatchObject({ allowed: false, state: 'PENDING_ACTIVATION', reason: 'pending sentence' });
  });

  it('should refuse a VPD with no mapping and say so', () => {
    const access = { ...base, mappings: [mapping({ state: 'ACTIVE' })] };
    expect(decideForVpd(access, '123')).toMatchObject({
      allowed: false,
      state: null,
      mapping: null,
      reason: 'No ESR record in VPD 123 is mapped to this portal user; a Local System Administrator adds it through Manage User.',
    });
  });
});
