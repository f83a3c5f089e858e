import type { Person, RunningSandbox } from '../../src/sandbox/sandbox.server';
import type { CheckedClient, GatewayAnswer } from '../support/checked-client';
import { PORTAL_KEY } from '../support/test-env';
import { accessState, runSync } from './fault-harness';

const DAY = 86_400_000;

/** Someone to search for by last name, date of birth and NI number. */
export interface SearchTarget {
  person: Person;
  ni: string;
}

/** Two VPDs, an HR user mapped to a role holder in each, and a person to search for in each. */
export interface CrossVpd {
  vpds: [string, string];
  users: Record<string, string>;
  targets: Record<string, SearchTarget>;
}

/** The n-th (or later) active person of a VPD without the role who has an NI number on record. */
export function personWithNi(sandbox: RunningSandbox, vpd: string, from = 0): SearchTarget {
  for (let n = from; n < from + 50; n++) {
    const { employeeNumber } = sandbox.admin.findPersonWithoutRole(vpd, n);
    const ni = sandbox.admin.niNumber(vpd, employeeNumber);
    if (ni) return { person: sandbox.admin.getPerson(vpd, employeeNumber) as Person, ni };
  }
  throw new Error(`no person with an NI number in VPD ${vpd}`);
}

/** A role holder of a VPD whose role is older than the activation delay and who is still employed. */
function establishedHolder(sandbox: RunningSandbox, vpd: string): string {
  for (let n = 0; n < sandbox.admin.generatedRoleSlots(vpd); n++) {
    const { employeeNumber } = sandbox.admin.findRoleHolder(vpd, n);
    const held = sandbox.admin
      .roleAssignmentsOf(vpd, employeeNumber)
      .some((r) => r.effectiveEndDate === null && Date.parse(r.createdAt) < Date.now() - 2 * DAY);
    const employed = sandbox.admin.getPerson(vpd, employeeNumber)?.assignments.some((a) => a.status === 'ACTIVE');
    if (held && employed) return employeeNumber;
  }
  throw new Error(`VPD ${vpd} has no established role holder`);
}

/** Maps one HR user per VPD (an LSA acting), runs a full sync, and checks both are ACTIVE at home. */
export async function prepareCrossVpd(client: CheckedClient, sandbox: RunningSandbox): Promise<CrossVpd> {
  const [a, b] = sandbox.admin.vpds().map((v) => v.vpd);
  const vpds: [string, string] = [a, b];
  const users: Record<string, string> = {};
  const targets: Record<string, SearchTarget> = {};
  for (const vpd of vpds) {
    users[vpd] = `hr.vpd${vpd}@nhs.net`;
    const mapped = await client.post(
      `/v1/users/${encodeURIComponent(users[vpd])}/esr-mappings`,
      { vpd, employeeNumber: establishedHolder(sandbox, vpd) },
      PORTAL_KEY,
      { 'x-acting-user': 'lsa.matrix@nhs.net' },
    );
    if (mapped.status !== 201) throw new Error(`mapping in ${vpd} not created: ${mapped.status} ${mapped.text}`);
    targets[vpd] = personWithNi(sandbox, vpd, 1);
  }
  const run = await runSync(client, 'full');
  if (run.state !== 'succeeded') throw new Error(`the full sync ended ${String(run.state)}`);
  for (const vpd of vpds) {
    const state = await accessState(client, users[vpd]);
    if (state !== 'ACTIVE') throw new Error(`${users[vpd]} is ${state}, not ACTIVE, in ${vpd}`);
  }
  return { vpds, users, targets };
}

/** A credential search by last name, date of birth and NI number, as `actor`. */
export function searchAs(
  client: CheckedClient,
  actor: string,
  vpd: string,
  target: SearchTarget,
  key = PORTAL_KEY,
): Promise<GatewayAnswer> {
  const { person, ni } = target;
  return client.post('/v1/credential-searches', { vpd, lastName: person.lastName, dateOfBirth: person.dateOfBirth, niNumber: ni }, key, {
    'x-acting-user': actor,
  });
}

/** The VPDs of a user's mappings as one key sees them: in the mappings list and in the access answer. */
export async function vpdsSeenBy(client: CheckedClient, key: string, user: string): Promise<{ list: string[]; access: string[] }> {
  const headers = { 'x-acting-user': 'lsa.matrix@nhs.net' };
  const list = await client.get(`/v1/users/${encodeURIComponent(user)}/esr-mappings`, key, headers);
  const access = await client.get(`/v1/users/${encodeURIComponent(user)}/esr-access`, key, headers);
  if (list.status !== 200 || access.status !== 200) throw new Error(`reads of ${user} answered ${list.status} and ${access.status}`);
  const vpds = (items: Array<{ vpd: string }>) => items.map((item) => item.vpd).sort();
  return { list: vpds(list.body.items), access: vpds(access.body.mappings) };
}
