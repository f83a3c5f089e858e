/**
 * The ESR sandbox for bench/sync-full.ts, in a process of its own so the bench measures the sync's
 * memory and CPU only. Started with fork(); talks over IPC:
 *   -> { type: 'ready', url, listed }
 *   <- { type: 'endDate', from, count, date }   -> { type: 'done', changed }
 *   <- { type: 'close' }
 */
import { startSandbox } from '../src/sandbox/sandbox.server';

interface EndDateMessage {
  type: 'endDate';
  from: number;
  count: number;
  date: string;
}

async function main(): Promise<void> {
  const roleAssignments = Number(process.env.BENCH_ROLE_ASSIGNMENTS ?? '100000');
  const sandbox = await startSandbox({ port: 0, vpdCount: 1, roleAssignments, rateLimitPerSecond: 0, seed: 7 });
  const send = (message: object): void => {
    process.send?.(message);
  };
  process.on('message', (message: EndDateMessage | { type: 'close' }) => {
    if (message.type === 'close') {
      void sandbox.close().then(() => process.exit(0));
      return;
    }
    let changed = 0;
    const slots = sandbox.admin.generatedRoleSlots('979');
    for (let n = message.from; changed < message.count && n < slots; n++) {
      const holder = sandbox.admin.findRoleHolder('979', n);
      const row = sandbox.admin.getRoleAssignment(holder.assignmentId);
      if (!row || (row.effectiveEndDate !== null && row.effectiveEndDate <= message.date) || row.effectiveStartDate > message.date)
        continue;
      sandbox.admin.endDateRole(holder.assignmentId, message.date);
      changed++;
    }
    send({ type: 'done', changed });
  });
  send({ type: 'ready', url: sandbox.url, listed: sandbox.admin.countRoleAssignments('979') });
}

void main();
