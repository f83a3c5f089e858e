import { Lease, StaleFenceError } from '../../src/role-store/lease-store';
import { createRedisClient } from '../../src/role-store/redis-client.factory';
import { LeaseNotReplicatedError, RedisLeaseStore } from '../../src/role-store/redis-lease-store';
import { redisStores, Stores } from '../../src/role-store/stores';
import { redisCommand, startRedis, TestRedis, waitUntil } from '../support/servers';
import { TcpProxy } from '../support/tcp-proxy';

const TTL_MS = 2000;
const VPD = '979';
const SYNC = 'sync';

/** Stores on one node (as a gateway's connection is after a failover sends it there). */
async function storesOn(node: TestRedis, leaseReplicas: number): Promise<Stores> {
  const client = createRedisClient({ topology: { kind: 'standalone', url: node.url } });
  return redisStores({ client, keyPrefix: 'lease-failover:', leaseReplicas });
}

/** What Sentinel does on a failover: the replica stops replicating and serves writes. */
async function promote(replica: TestRedis): Promise<void> {
  await redisCommand(replica.port, ['REPLICAOF', 'NO', 'ONE']);
  await waitUntil(
    'the replica to act as a primary',
    async () => ((await redisCommand(replica.port, ['ROLE'])) as string[])[0] === 'master',
  );
}

/**
 * A primary killed right after a lease write, and its replica (partitioned from it just before the
 * write) promoted without that write, as Sentinel would promote it: with
 * REDIS_LEASE_REPLICAS (WAIT on lease writes), a lease counts only once the replica has it, so a
 * second holder never gets a fencing token the first holder's writes would pass.
 */
describe(`${RedisLeaseStore.name} across a failover`, () => {
  let primary: TestRedis;
  let replica: TestRedis;
  /** The replica replicates through this proxy: cutting it partitions the replica from the primary. */
  let link: TcpProxy;
  const open: Stores[] = [];

  beforeEach(async () => {
    primary = await startRedis({ name: 'lease-primary' });
    link = await new TcpProxy('127.0.0.1', primary.port).start();
    replica = await startRedis({ name: 'lease-replica', replicaOf: link.port });
    await waitUntil('the replica to sync', async () =>
      String(await redisCommand(replica.port, ['INFO', 'replication'])).includes('master_link_status:up'),
    );
  }, 30_000);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((stores) => stores.close()));
    await link?.close();
    await Promise.all([primary?.stop(), replica?.stop()]);
  });

  /** The replica stops receiving the primary's writes (its connection goes silent), as in a network partition. */
  const partition = async () => {
    await link.cut('blackhole');
    await waitUntil('the primary to lose its replica', async () =>
      String(await redisCommand(primary.port, ['INFO', 'replication'])).includes('connected_slaves:0'),
    );
  };

  const stores = async (node: TestRedis, leaseReplicas: number) => {
    const opened = await storesOn(node, leaseReplicas);
    open.push(opened);
    return opened;
  };

  it('should give a second holder the fencing token of the first when lease writes are not waited for (the hazard)', async () => {
    const a = await stores(primary, 0);
    await partition();
    const first = (await a.leases.acquire(SYNC, 'gateway-a', TTL_MS)) as Lease;
    expect(first).not.toBeNull();
    await primary.kill();
    await promote(replica);

    const b = await stores(replica, 0);
    const second = (await b.leases.acquire(SYNC, 'gateway-b', TTL_MS)) as Lease;
    expect(second.fence).toBe(first.fence);
    await b.generations.beginGeneration(VPD, second);
    // The first holder's write passes the fence on the new primary: two holders write one VPD.
    await expect(b.generations.beginGeneration(VPD, first)).resolves.toBeDefined();
  }, 30_000);

  it('should refuse a lease the replica did not acknowledge, so the new primary never issues its fencing token twice', async () => {
    const a = await stores(primary, 1);
    await partition();
    await expect(a.leases.acquire(SYNC, 'gateway-a', TTL_MS)).rejects.toThrow(LeaseNotReplicatedError);
    await primary.kill();
    await promote(replica);

    const b = await stores(replica, 1);
    // The new primary missed the write; with no replica of its own, WAIT 1 cannot be met either.
    await expect(b.leases.acquire(SYNC, 'gateway-b', TTL_MS)).rejects.toThrow(LeaseNotReplicatedError);
    const alone = await stores(replica, 0);
    const second = (await alone.leases.acquire(SYNC, 'gateway-b', TTL_MS)) as Lease;
    await expect(alone.generations.beginGeneration(VPD, second)).resolves.toBeDefined();
  }, 30_000);

  it("should keep a replicated lease on the new primary and refuse the first holder's writes once a second holder takes it", async () => {
    const a = await stores(primary, 1);
    const first = (await a.leases.acquire(SYNC, 'gateway-a', TTL_MS)) as Lease;
    expect(first).not.toBeNull();
    await expect(a.leases.renew(first, TTL_MS)).resolves.toBe(true);
    await a.generations.beginGeneration(VPD, first);
    await primary.kill();
    await promote(replica);

    const b = await stores(replica, 0);
    await expect(b.leases.acquire(SYNC, 'gateway-b', TTL_MS)).resolves.toBeNull();
    await expect(b.leases.holder(SYNC)).resolves.toBe('gateway-a');
    let second: Lease | null = null;
    await waitUntil('the first lease to expire', async () => (second = await b.leases.acquire(SYNC, 'gateway-b', TTL_MS)) !== null, 10_000);
    expect((second as unknown as Lease).fence).toBeGreaterThan(first.fence);
    await expect(b.generations.beginGeneration(VPD, first)).rejects.toThrow(StaleFenceError);
    await expect(b.generations.beginGeneration(VPD, second as unknown as Lease)).resolves.toBeDefined();
  }, 30_000);

  it('should fail a renewal the replica did not acknowledge in time', async () => {
    const a = await stores(primary, 1);
    const lease = (await a.leases.acquire(SYNC, 'gateway-a', TTL_MS)) as Lease;
    await partition();
    await expect(a.leases.renew(lease, TTL_MS)).rejects.toThrow(LeaseNotReplicatedError);
  }, 30_000);
});
