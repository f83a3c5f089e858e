import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { Lease, LeaseStore } from '../role-store/lease.store';
import { SyncInterruptedError } from './sync.errors';
import { SyncShutdown } from './sync-shutdown';
import { SyncStatusService } from './sync-status.service';
import { SYNC_LEASE } from './sync.types';

/**
 * The `sync` lease as this replica holds it: one syncer at a time across replicas. Work runs while
 * the lease is held and renewed (every write carries its fencing token); losing it, or shutdown,
 * aborts the work's signal.
 */
@Injectable()
export class SyncLease {
  /** This replica's id as a lease holder. */
  readonly holderId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly leases: LeaseStore,
    private readonly config: AppConfig,
    private readonly shutdown: SyncShutdown,
    private readonly status: SyncStatusService,
  ) {}

  /** Runs `work` holding the lease, waiting up to `waitMs` for it; `ran: false` when it stayed taken. */
  async run<T>(waitMs: number, work: (lease: Lease, signal: AbortSignal) => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const ttl = this.config.syncLeaseTtlMs;
    const deadline = performance.now() + waitMs;
    let lease = await this.leases.acquire(SYNC_LEASE, this.holderId, ttl);
    while (!lease && performance.now() < deadline && !this.shutdown.shuttingDown) {
      await sleep(Math.min(250, Math.max(1, deadline - performance.now())));
      lease = await this.leases.acquire(SYNC_LEASE, this.holderId, ttl);
    }
    if (!lease) return { ran: false };
    const held = lease;
    const controller = new AbortController();
    const unregister = this.shutdown.register(controller);
    let renewedAt = performance.now();
    let renewing = false;
    const timer = setInterval(
      () => {
        if (renewing) return;
        renewing = true;
        this.leases
          .renew(held, ttl)
          .then(
            (ok) => {
              if (ok) renewedAt = performance.now();
              else controller.abort(new SyncInterruptedError('LEASE_LOST'));
            },
            () => {
              if (performance.now() - renewedAt >= ttl) controller.abort(new SyncInterruptedError('LEASE_LOST'));
            },
          )
          .finally(() => {
            renewing = false;
          });
      },
      Math.max(20, Math.floor(ttl / 3)),
    );
    this.status.metrics.leaseHolder.set(1);
    try {
      return { ran: true, value: await work(held, controller.signal) };
    } finally {
      clearInterval(timer);
      unregister();
      this.status.metrics.leaseHolder.set(0);
      await this.leases.release(held).catch(() => undefined);
    }
  }
}
