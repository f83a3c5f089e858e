/**
 * The ESR sandbox for bench/search.ts, in a process of its own (so its own latency is measured apart
 * from the gateway's). Its rate limit is off: the bench's direct calls share the sandbox's one client
 * with the gateway, and the gateway keeps to ESR's limit on its own (test/esr/esr-rate-limit.e2e-spec.ts
 * proves that). Started with fork(); BENCH_ROLE_ASSIGNMENTS sets the number of role holders. Talks over IPC:
 *   -> { type: 'ready', url, listed, hrEmployeeNumber, subjects: SearchSubject[] }
 *   <- { type: 'close' }
 */
import { startSandbox } from '../src/sandbox/sandbox.server';

export interface SearchSubject {
  employeeNumber: string;
  assignmentNumber: string;
  lastName: string;
  dateOfBirth: string;
  niNumber: string;
}

const VPD = '979';
const DAY = 24 * 3_600_000;

async function main(): Promise<void> {
  const roleAssignments = Number(process.env.BENCH_ROLE_ASSIGNMENTS ?? '1000');
  const sandbox = await startSandbox({ port: 0, vpdCount: 1, roleAssignments, rateLimitPerSecond: 0, seed: 11 });
  const { admin } = sandbox;

  // The searching HR user: holds the role, assigned more than a day ago, open-ended, active in ESR.
  let hrEmployeeNumber: string | undefined;
  for (let n = 0; n < admin.generatedRoleSlots(VPD) && !hrEmployeeNumber; n++) {
    const holder = admin.findRoleHolder(VPD, n);
    const roles = admin.roleAssignmentsOf(VPD, holder.employeeNumber);
    const assigned = roles.some((r) => r.effectiveEndDate === null && Date.parse(r.createdAt) < Date.now() - 2 * DAY);
    if (assigned && admin.getPerson(VPD, holder.employeeNumber)?.assignments.some((a) => a.status === 'ACTIVE'))
      hrEmployeeNumber = holder.employeeNumber;
  }
  if (!hrEmployeeNumber) throw new Error('the sandbox has no HR user who can search');

  // People to search for, each findable by every kind of criteria.
  const subjects: SearchSubject[] = [];
  for (let n = 0; n < 500 && subjects.length < 10; n++) {
    const { employeeNumber } = admin.findPersonWithoutRole(VPD, n);
    const person = admin.getPerson(VPD, employeeNumber);
    const niNumber = admin.niNumber(VPD, employeeNumber);
    const assignment = person?.assignments[person.assignments.length - 1];
    if (!person || !niNumber || !assignment) continue;
    subjects.push({
      employeeNumber,
      assignmentNumber: assignment.assignmentNumber,
      lastName: person.lastName,
      dateOfBirth: person.dateOfBirth,
      niNumber,
    });
  }

  process.on('message', (message: { type: string }) => {
    if (message.type === 'close') void sandbox.close().then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', url: sandbox.url, listed: admin.countRoleAssignments(VPD), hrEmployeeNumber, subjects });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
