import { SandboxDataset } from './sandbox.generator';
import { ListingQuery } from './sandbox.listings';
import { SandboxStore } from './sandbox.store';
import { parseDay, ukDay } from './sandbox.time';
import { DPA_ROLE_NAME, RoleAssignment } from './sandbox.types';

const ANCHOR = Date.parse('2026-11-25T10:00:00Z');

describe(SandboxStore.name, () => {
  let now: number;
  let dataset: SandboxDataset;
  let store: SandboxStore;

  beforeEach(() => {
    now = ANCHOR;
    dataset = new SandboxDataset({ seed: 1, vpdCount: 2, roleAssignments: 200, anchor: ANCHOR });
    store = new SandboxStore(dataset, () => now);
  });

  const listAll = (vpdIndex: number, seq = store.head, limit = 17, at = now): RoleAssignment[] => {
    const items: RoleAssignment[] = [];
    const query: ListingQuery = { vpdIndex, roleName: DPA_ROLE_NAME, person: null, seq, asOfDay: ukDay(at), position: 0, limit };
    for (;;) {
      const page = store.listRoleAssignments(query);
      items.push(...page.items);
      if (page.nextPosition === null) return items;
      query.position = page.nextPosition;
    }
  };

  it('should replay the fixture history after the baseline into the change log', () => {
    expect(store.head).toBe(6);
    const page = store.listChanges({ vpdIndex: 0, roleName: DPA_ROLE_NAME, since: 0, upTo: store.head, limit: 100 });
    expect(page.items.map((c) => c.op)).toEqual(['upsert', 'upsert', 'upsert', 'delete', 'upsert', 'upsert']);
    expect(page.nextSince).toBeNull();
  });

  it('should read a listing at its snapshot whatever changes afterwards', () => {
    const seq = store.head;
    const before = listAll(0, seq);
    const holder = dataset.holderOf(0, 0);
    store.deactivatePerson(holder);
    store.endDateRole(dataset.generatedAssignmentId(0, 1), parseDay('2026-01-01') as number);
    store.assignRole(dataset.fixtureRef('withoutRole'));
    expect(listAll(0, seq)).toEqual(before);
    const after = listAll(0);
    expect(after).toHaveLength(before.length);
    expect(after[0]?.person).toMatchObject({ active: false, systemPersonType: 'EX_EMP' });
    expect(after.map((r) => r.assignmentId)).not.toContain(dataset.generatedAssignmentId(0, 1));
  });

  it('should count what a listing contains', () => {
    expect(store.countListed(0, ukDay(now)) + store.countListed(1, ukDay(now))).toBe(200);
    expect(store.countListed(0, ukDay(now))).toBe(listAll(0).length);
    const later = ANCHOR + 400 * 86_400_000;
    expect(store.countListed(1, ukDay(later))).toBe(listAll(1, store.head, 50, later).length);
  });

  it('should page the change log by sequence number up to the answer watermark', () => {
    const upTo = store.head;
    store.assignRole(dataset.fixtureRef('withoutRole'));
    const first = store.listChanges({ vpdIndex: 0, roleName: DPA_ROLE_NAME, since: 0, upTo, limit: 4 });
    expect(first.items).toHaveLength(4);
    const second = store.listChanges({ vpdIndex: 0, roleName: DPA_ROLE_NAME, since: first.nextSince as number, upTo, limit: 4 });
    expect(second.items).toHaveLength(2);
    expect(second.nextSince).toBeNull();
  });

  it('should list nothing for another role', () => {
    expect(
      store.listRoleAssignments({
        vpdIndex: 0,
        roleName: 'Other',
        person: null,
        seq: store.head,
        asOfDay: ukDay(now),
        position: 0,
        limit: 10,
      }),
    ).toEqual({
      items: [],
      nextPosition: null,
    });
    expect(store.listChanges({ vpdIndex: 0, roleName: 'Other', since: 0, upTo: store.head, limit: 10 }).items).toEqual([]);
  });

  it('should refuse a second current role, an end before the start, and changes to missing rows', () => {
    expect(() => store.assignRole({ vpdIndex: 0, index: 0 })).toThrow(/already holds/);
    expect(() => store.endDateRole(dataset.generatedAssignmentId(0, 0), parseDay('1990-01-01') as number)).toThrow(/before/);
    expect(() => store.deleteRole('sra-979-x999')).toThrow(/no role assignment/);
    expect(() => store.deleteRole(`sra-979-g${dataset.holderSlots(0)}`)).toThrow(/no role assignment/);
    expect(store.getRoleAssignment('nonsense')).toBeUndefined();
  });

  it('should leave an already inactive person as they are', () => {
    const leaver = dataset.fixtureRef('leaver');
    const head = store.head;
    expect(store.deactivatePerson(leaver).systemPersonType).toBe('EX_EMP');
    expect(store.head).toBe(head);
  });
});
