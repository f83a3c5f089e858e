import { diffAccess } from './access-change';

describe(diffAccess.name, () => {
  const m = (employeeNumber: string, state: 'ACTIVE' | 'NO_ROLE' | 'PENDING_ACTIVATION') => ({ vpd: '979', employeeNumber, state });

  it('should answer null when neither searchEnabled nor any state changed', () => {
    const same = { searchEnabled: true, mappings: [m('1', 'ACTIVE')] };
    expect(diffAccess(same, { ...same })).toBeNull();
  });

  it('should list every current mapping with its previous state, then removed ones', () => {
    const before = { searchEnabled: false, mappings: [m('1', 'PENDING_ACTIVATION'), m('2', 'NO_ROLE')] };
    const after = { searchEnabled: true, mappings: [m('1', 'ACTIVE'), m('3', 'NO_ROLE')] };
    expect(diffAccess(before, after)).toEqual([
      { vpd: '979', employeeNumber: '1', state: 'ACTIVE', previousState: 'PENDING_ACTIVATION' },
      { vpd: '979', employeeNumber: '3', state: 'NO_ROLE', previousState: null },
      { vpd: '979', employeeNumber: '2', state: null, previousState: 'NO_ROLE' },
    ]);
  });

  it('should report a state change that leaves searchEnabled as it was', () => {
    const before = { searchEnabled: false, mappings: [m('1', 'PENDING_ACTIVATION')] };
    expect(diffAccess(before, { searchEnabled: false, mappings: [m('1', 'NO_ROLE')] })).toHaveLength(1);
  });
});
