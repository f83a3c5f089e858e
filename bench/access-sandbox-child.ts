/**
 * The ESR sandbox for bench/access-http.ts, in a process of its own (one VPD, 979). Started with
 * fork(); talks over IPC:
 *   -> { type: 'ready', url, listed }
 *   <- { type: 'holders', count }   -> { type: 'holders', employeeNumbers }  (distinct role holders)
 *   <- { type: 'close' }
 */
import { startSandbox } from '../src/sandbox/sandbox.server';

async function main(): Promise<void> {
  const roleAssignments = Number(process.env.BENCH_ROLE_ASSIGNMENTS ?? '100000');
  const sandbox = await startSandbox({ port: 0, vpdCount: 1, roleAssignments, rateLimitPerSecond: 0, seed: 11 });
  const send = (message: object): void => {
    process.send?.(message);
  };
  process.on('message', (message: { type: 'holders'; count: number } | { type: 'close' }) => {
    if (message.type === 'close') {
      void sandbox.close().then(() => process.exit(0));
      return;
    }
    const found = new Set<string>();
    const slots = sandbox.admin.generatedRoleSlots('979');
    for (let n = 0; n < slots && found.size < message.count; n++) found.add(sandbox.admin.findRoleHolder('979', n).employeeNumber);
    send({ type: 'holders', employeeNumbers: [...found] });
  });
  send({ type: 'ready', url: sandbox.url, listed: sandbox.admin.countRoleAssignments('979') });
}

void main();
