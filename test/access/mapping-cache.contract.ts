/**
 * The contract both mapping mirrors meet. Run against the in-process one by
 * src/mapping-cache/memory-mapping-cache.spec.ts and against a real Redis (with real role data
 * written by the role stores) by test/access/redis-mapping-cache.e2e-spec.ts.
 */
import { MappingCache, MirroredMapping, MirrorEntry, NegativeEntries } from '../../src/mapping-cache/mapping-cache';
import type { Stores } from '../../src/role-store/stores';
import { role } from '../role-store/role-store.contract';

export interface MirrorSubject {
  mirror: MappingCache;
  /** The stores the mirror sits beside (the role data is what reads return). */
  stores: Stores;
  close(): Promise<void>;
}

/** Makes `vpd` synced with one role row for `employeeNumber`, through the store's own sync API. */
export async function syncRole(stores: Stores, vpd: string, employeeNumber: string, nowMs = Date.now()): Promise<void> {
  const { generations } = stores;
  const lease = await stores.leases.acquire(`sync-test-${vpd}`, 'test', 60_000);
  if (!lease) throw new Error('lease not taken');
  const { generation } = await generations.beginGeneration(vpd, lease);
  await generations.writeGeneration(vpd, generation, [role(`a-${employeeNumber}`, employeeNumber, nowMs - 48 * 3_600_000)], lease, nowMs);
  const at = new Date(nowMs).toISOString();
  await generations.commitGeneration(vpd, generation, lease, {
    watermark: at,
    at,
    lastRun: { runId: 'r', mode: 'full', outcome: 'succeeded', added: 1, updated: 0, removed: 0, held: 0, durationMs: 1, finishedAt: at },
    held: false,
  });
  await stores.leases.release(lease);
}

let sequence = 0;
const fresh = (label: string): string => `${label}.${Date.now().toString(36)}.${sequence++}`;
const rec = (vpd: string, employeeNumber: string): MirroredMapping => ({ vpd, employeeNumber, verified: true, esrStatus: null });

/** Scans every entry whose user starts with `tag`. */
async function scanned(mirror: MappingCache, tag: string): Promise<MirrorEntry[]> {
  const seen: MirrorEntry[] = [];
  let cursor = '0';
  do {
    const page = await mirror.scan(cursor, 100);
    cursor = page.cursor;
    seen.push(...page.entries.filter((e) => e.portalUserId.startsWith(tag)));
  } while (cursor !== '0');
  return seen;
}

/** `create` makes a mirror with these negative entries (its defaults when none are given). */
export function mappingCacheContract(name: string, create: (negatives?: NegativeEntries) => Promise<MirrorSubject>): void {
  describe(`${name} (MappingCache contract)`, () => {
    let s: MirrorSubject;
    let mirror: MappingCache;

    beforeEach(async () => {
      s = await create();
      mirror = s.mirror;
    });

    afterEach(async () => {
      await s.close();
    });

    const ticketOf = async (user: string): Promise<string> => {
      const entry = (await mirror.read([user])).users.get(user);
      if (entry?.kind !== 'miss') throw new Error(`expected a miss, got ${JSON.stringify(entry)}`);
      return entry.ticket;
    };

    it('should miss a user never cached, cache a fill, then answer mappings and role data in one read', async () => {
      const user = fresh('fill');
      await syncRole(s.stores, '979', '10000001');
      const ticket = await ticketOf(user);
      const records = [rec('979', '10000001'), rec('123', '10000002')];
      const { filled, snapshot } = await mirror.fillAndRead([{ portalUserId: user, ticket, records }], records);
      expect(filled).toBe(1);
      expect(snapshot.roles.get('979:10000001')).toHaveLength(1);
      const read = await mirror.read([user, fresh('other')]);
      expect(read.users.get(user)).toEqual({ kind: 'hit', records });
      expect([...read.users.values()][1]).toMatchObject({ kind: 'miss' });
      expect(read.snapshot.vpds.get('979')?.lastSuccessAt).toEqual(expect.any(String) as unknown);
      expect(read.snapshot.roles.get('979:10000001')?.[0]).toMatchObject({ employeeNumber: '10000001' });
      expect(read.snapshot.vpds.has('123')).toBe(false);
    });

    it('should answer a user without mappings from a negative entry that the consistency check never sees', async () => {
      const user = fresh('empty');
      await mirror.fillAndRead([{ portalUserId: user, ticket: await ticketOf(user), records: [] }], []);
      expect((await mirror.read([user])).users.get(user)).toEqual({ kind: 'hit', records: [] });
      expect(await scanned(mirror, user)).toEqual([]);
    });

    it('should drop a negative entry on a mapping write at once, so the new mapping answers right', async () => {
      const user = fresh('gains');
      await mirror.fillAndRead([{ portalUserId: user, ticket: await ticketOf(user), records: [] }], []);
      const stale = await mirror.hold([user], 1000);
      expect((await mirror.read([user])).users.get(user)).toEqual({ kind: 'held' });
      await mirror.release([user], stale);
      const records = [rec('979', '10000009')];
      expect((await mirror.fillAndRead([{ portalUserId: user, ticket: await ticketOf(user), records }], [])).filled).toBe(1);
      expect((await mirror.read([user])).users.get(user)).toEqual({ kind: 'hit', records });
    });

    it('should keep at most the configured number of negative entries, the newest', async () => {
      const capped = await create({ ttlMs: 60_000, max: 3 });
      try {
        const users = Array.from({ length: 5 }, (_, i) => fresh(`cap${i}`));
        for (const user of users) {
          const read = (await capped.mirror.read([user])).users.get(user);
          const ticket = read?.kind === 'miss' ? read.ticket : '';
          await capped.mirror.fillAndRead([{ portalUserId: user, ticket, records: [] }], []);
        }
        const answers = (await capped.mirror.read(users)).users;
        expect(users.map((u) => answers.get(u)?.kind)).toEqual(['miss', 'miss', 'hit', 'hit', 'hit']);
      } finally {
        await capped.close();
      }
    });

    it('should let a negative entry expire after its TTL, and keep none when the cap is 0', async () => {
      const brief = await create({ ttlMs: 100, max: 10 });
      const none = await create({ ttlMs: 60_000, max: 0 });
      try {
        for (const subject of [brief, none]) {
          const user = fresh('brief');
          const read = (await subject.mirror.read([user])).users.get(user);
          const ticket = read?.kind === 'miss' ? read.ticket : '';
          await subject.mirror.fillAndRead([{ portalUserId: user, ticket, records: [] }], []);
          const deadline = Date.now() + 5_000;
          while ((await subject.mirror.read([user])).users.get(user)?.kind !== 'miss' && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 20));
          expect((await subject.mirror.read([user])).users.get(user)).toMatchObject({ kind: 'miss' });
        }
      } finally {
        await brief.close();
        await none.close();
      }
    });

    it('should refuse a fill whose read came before a write began or ended', async () => {
      const user = fresh('race');
      const stale = await ticketOf(user);
      await mirror.release([user], await mirror.hold([user], 1000));
      const { filled } = await mirror.fillAndRead([{ portalUserId: user, ticket: stale, records: [rec('979', '10000003')] }], []);
      expect(filled).toBe(0);
      expect((await mirror.read([user])).users.get(user)).toMatchObject({ kind: 'miss' });
    });

    it('should answer a held user as held, refuse fills while held, and drop the cached list on hold and release', async () => {
      const user = fresh('held');
      await mirror.fillAndRead([{ portalUserId: user, ticket: await ticketOf(user), records: [rec('979', '10000004')] }], []);
      const first = await mirror.hold([user], 1000);
      const second = await mirror.hold([user], 1001); // two writers at once
      expect((await mirror.read([user])).users.get(user)).toEqual({ kind: 'held' });
      await mirror.release([user], first);
      await mirror.release([user], first); // a retried release does not release the other writer
      expect((await mirror.read([user])).users.get(user)).toEqual({ kind: 'held' });
      await mirror.release([user], second);
      const ticket = await ticketOf(user);
      const third = await mirror.hold([user], 1002);
      expect((await mirror.fillAndRead([{ portalUserId: user, ticket, records: [] }], [])).filled).toBe(0);
      await mirror.release([user], third);
      expect((await mirror.fillAndRead([{ portalUserId: user, ticket: await ticketOf(user), records: [] }], [])).filled).toBe(1);
    });

    it('should list entries for the check, drop one only while unchanged, and clear only stale holds', async () => {
      const tag = fresh('scan');
      const a = `${tag}.a`;
      const b = `${tag}.b`;
      for (const user of [a, b])
        await mirror.fillAndRead([{ portalUserId: user, ticket: await ticketOf(user), records: [rec('979', '10000005')] }], []);
      const late = await mirror.hold([b], 5_000);
      const seen = await scanned(mirror, tag);
      const entryA = seen.find((e) => e.portalUserId === a) as MirrorEntry;
      expect(entryA).toMatchObject({ records: [rec('979', '10000005')], writers: 0 });
      expect(seen.find((e) => e.portalUserId === b)).toMatchObject({ records: null, writers: 1, heldAtMs: 5_000 });

      await expect(mirror.dropIfUnchanged({ ...entryA, records: [] })).resolves.toBe(false);
      await expect(mirror.dropIfUnchanged(entryA)).resolves.toBe(true);
      await expect(mirror.dropIfUnchanged(entryA)).resolves.toBe(false);
      expect((await mirror.read([a])).users.get(a)).toMatchObject({ kind: 'miss' });

      await expect(mirror.clearStaleHolds(b, 5_000)).resolves.toBe(0);
      await expect(mirror.clearStaleHolds(b, 5_001)).resolves.toBe(1);
      expect((await mirror.read([b])).users.get(b)).toMatchObject({ kind: 'miss' });
      await mirror.release([b], late); // the late writer's release does no harm
      expect((await mirror.read([b])).users.get(b)).toMatchObject({ kind: 'miss' });
    });
  });
}
