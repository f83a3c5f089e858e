import { setTimeout as sleep } from 'node:timers/promises';
import { FakeClock } from '../common/clock/clock';
import { validateEnvironment } from '../config/env.schema';
import { HttpSettings } from '../config/settings/http.settings';
import { MetricsService } from '../metrics/metrics.service';
import { Lease } from '../role-store/lease-store';
import { MemoryLeaseStore } from '../role-store/memory-lease-store';
import { JobInterruptedError, JobRunner } from './job-runner';
import { JobsMetrics } from './jobs.metrics';
import { JobsShutdown } from './jobs-shutdown';
import { ReplicaId } from './replica-id';

const TTL = 60;

describe(JobRunner.name, () => {
  let clock: FakeClock;
  let leases: MemoryLeaseStore;
  let metrics: MetricsService;
  let shutdown: JobsShutdown;
  let replica: ReplicaId;
  let runner: JobRunner;

  beforeEach(() => {
    clock = new FakeClock();
    leases = new MemoryLeaseStore(clock);
    metrics = new MetricsService();
    shutdown = new JobsShutdown(new HttpSettings(validateEnvironment({ SHUTDOWN_GRACE_PERIOD: 'PT1S' })));
    replica = new ReplicaId();
    runner = new JobRunner(leases, replica, shutdown, new JobsMetrics(metrics));
  });

  const value = async (name: string, labels: Record<string, string>): Promise<number | undefined> => {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
    return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
  };

  it('should run the work holding the lease, as this replica, and release it after', async () => {
    let held: string | null = null;
    const run = await runner.exclusive({ name: 'purge', ttlMs: TTL }, async (lease) => {
      held = await leases.holder('purge');
      expect(leases.isCurrent(lease)).toBe(true);
      return 42;
    });
    expect(run).toEqual({ ran: true, value: 42 });
    expect(held).toBe(replica.value);
    await expect(leases.holder('purge')).resolves.toBeNull();
    await expect(value('esr_gateway_job_runs_total', { job_name: 'purge', outcome: 'succeeded' })).resolves.toBe(1);
    await expect(value('esr_gateway_job_duration_seconds', { job_name: 'purge' })).resolves.toBeDefined();
  });

  it('should count every outcome of a job from its first run on, at zero until it happens (so alerts see the first failure)', async () => {
    await runner.exclusive({ name: 'purge', ttlMs: TTL }, async () => undefined);
    for (const outcome of ['failed', 'skipped', 'lease_lost', 'interrupted']) {
      await expect(value('esr_gateway_job_runs_total', { job_name: 'purge', outcome })).resolves.toBe(0);
    }
  });

  it('should skip the work while another holder has the lease', async () => {
    await leases.acquire('purge', 'other-replica', 10_000);
    const work = jest.fn();
    await expect(runner.exclusive({ name: 'purge', ttlMs: TTL }, work)).resolves.toEqual({ ran: false });
    expect(work).not.toHaveBeenCalled();
    await expect(value('esr_gateway_job_runs_total', { job_name: 'purge', outcome: 'skipped' })).resolves.toBe(1);
  });

  it('should wait up to waitMs for the lease to be released', async () => {
    const other = (await leases.acquire('purge', 'other-replica', 10_000)) as Lease;
    setTimeout(() => void leases.release(other), 50);
    await expect(runner.exclusive({ name: 'purge', ttlMs: TTL, waitMs: 2_000 }, async () => 'done')).resolves.toEqual({
      ran: true,
      value: 'done',
    });
  });

  it('should use the lease name when given one, the job name in the metrics', async () => {
    await runner.exclusive({ name: 'job', lease: 'shared-lease', ttlMs: TTL }, async () => {
      await expect(leases.holder('shared-lease')).resolves.toBe(replica.value);
    });
    await expect(value('esr_gateway_job_runs_total', { job_name: 'job', outcome: 'succeeded' })).resolves.toBe(1);
  });

  it('should renew the lease every ttl/3 while the work runs, calling onRenewed', async () => {
    const onRenewed = jest.fn(async () => undefined);
    await runner.exclusive({ name: 'sync', ttlMs: TTL, onRenewed }, async (_lease, signal) => {
      for (let i = 0; i < 8; i++) {
        clock.advance(TTL / 4); // two TTLs in all: without renewals the lease would have expired
        await sleep(TTL / 2);
      }
      expect(signal.aborted).toBe(false);
      await expect(leases.holder('sync')).resolves.toBe(replica.value);
    });
    expect(onRenewed.mock.calls.length).toBeGreaterThanOrEqual(3);
  });

  it('should abort the signal once the lease is lost, recording lease_lost', async () => {
    const run = runner.exclusive({ name: 'sync', ttlMs: TTL }, async (_lease, signal) => {
      clock.advance(TTL + 1); // the lease expires: the next renewal fails
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      return signal.reason;
    });
    const reason = await run;
    expect(reason).toEqual({ ran: true, value: expect.any(JobInterruptedError) });
    expect((reason as { value: JobInterruptedError }).value.interruptedBy).toBe('lease_lost');
    await expect(value('esr_gateway_job_runs_total', { job_name: 'sync', outcome: 'lease_lost' })).resolves.toBe(1);
  });

  it('should abort the signal on shutdown with the reason the job chose', async () => {
    const run = runner.exclusive(
      { name: 'sync', ttlMs: 10_000, interrupt: (cause) => new Error(`stopped: ${cause}`) },
      async (_lease, signal) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return (signal.reason as Error).message;
      },
    );
    await sleep(10);
    await shutdown.beforeApplicationShutdown();
    await expect(run).resolves.toEqual({ ran: true, value: 'stopped: shutdown' });
    await expect(value('esr_gateway_job_runs_total', { job_name: 'sync', outcome: 'interrupted' })).resolves.toBe(1);
  });

  it('should release the lease and record failed when the work throws, rethrowing', async () => {
    await expect(
      runner.exclusive({ name: 'purge', ttlMs: TTL }, async () => {
        throw new Error('database down');
      }),
    ).rejects.toThrow('database down');
    await expect(leases.holder('purge')).resolves.toBeNull();
    await expect(value('esr_gateway_job_runs_total', { job_name: 'purge', outcome: 'failed' })).resolves.toBe(1);
  });

  it('should report the lease held only while the work runs', async () => {
    await runner.exclusive({ name: 'purge', ttlMs: TTL }, async () => {
      await expect(value('esr_gateway_job_lease_held', { job_name: 'purge' })).resolves.toBe(1);
    });
    await expect(value('esr_gateway_job_lease_held', { job_name: 'purge' })).resolves.toBe(0);
  });

  it('should record the outcomes of shared jobs without any lease', async () => {
    await expect(runner.shared('sender', async () => 'sent')).resolves.toBe('sent');
    await expect(runner.shared('sender', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(value('esr_gateway_job_runs_total', { job_name: 'sender', outcome: 'succeeded' })).resolves.toBe(1);
    await expect(value('esr_gateway_job_runs_total', { job_name: 'sender', outcome: 'failed' })).resolves.toBe(1);
    await expect(leases.holder('sender')).resolves.toBeNull();
  });
});
