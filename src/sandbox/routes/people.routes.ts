import type { FastifyInstance, FastifyReply } from 'fastify';
import { ASSIGNMENT_NUMBER, EMPLOYEE_NUMBER, NI_NUMBER } from '../../domain/identifiers';
import { SandboxError } from '../sandbox.errors';
import { PersonRef } from '../sandbox.generator';
import { personSummary } from '../sandbox.person-records';
import { formatUkTimestamp, parseDay } from '../sandbox.time';
import { PersonSummary } from '../sandbox.types';
import { Query, queryValue, SandboxRouteContext } from './route-context';

const MAX_PEOPLE_RESULTS = 20;
const SEARCH_KEYS = ['employeeNumber', 'assignmentNumber', 'lastName', 'dateOfBirth', 'niNumber'] as const;

/** The people search (exactly one kind of criteria, at most 20 results) and one person's record. */
export async function peopleRoutes(app: FastifyInstance, ctx: SandboxRouteContext): Promise<void> {
  const { dataset, store, now } = ctx;
  /** The sandbox's extract is continuous: the instant of the answer's snapshot (contract 1.1.0). */
  const extractDate = (reply: FastifyReply): FastifyReply => reply.header('x-esr-extract-date', formatUkTimestamp(now()));

  function searchPeople(vpdIndex: number, query: Query): PersonSummary[] {
    const unknown = Object.keys(query).filter((k) => !(SEARCH_KEYS as readonly string[]).includes(k));
    if (unknown.length > 0) throw SandboxError.badRequest(`unknown search parameter(s): ${unknown.join(', ')}`);
    const given = SEARCH_KEYS.filter((k) => query[k] !== undefined);
    const values = Object.fromEntries(given.map((k) => [k, queryValue(query, k) as string])) as Partial<
      Record<(typeof SEARCH_KEYS)[number], string>
    >;
    const only = (...keys: string[]): boolean => given.length === keys.length && keys.every((k) => given.includes(k as never));
    const summaries = (refs: (PersonRef | undefined)[]): PersonSummary[] =>
      refs
        .filter((r): r is PersonRef => r !== undefined)
        .slice(0, MAX_PEOPLE_RESULTS)
        .map((r) => personSummary(store.getPerson(r)));

    if (only('employeeNumber')) {
      const employeeNumber = values.employeeNumber as string;
      if (!EMPLOYEE_NUMBER.test(employeeNumber)) throw SandboxError.badRequest('employeeNumber must be 8 digits');
      return summaries([dataset.findByEmployeeNumber(vpdIndex, employeeNumber)]);
    }
    if (only('assignmentNumber')) {
      const assignmentNumber = values.assignmentNumber as string;
      if (!ASSIGNMENT_NUMBER.test(assignmentNumber))
        throw SandboxError.badRequest('assignmentNumber must be 8 digits, optionally followed by -N');
      const ref = dataset.findByEmployeeNumber(vpdIndex, assignmentNumber.slice(0, 8));
      const holds = ref && store.getPerson(ref).assignments.some((a) => a.assignmentNumber === assignmentNumber);
      return summaries([holds ? ref : undefined]);
    }
    if (only('lastName', 'dateOfBirth', 'niNumber')) {
      const { lastName, dateOfBirth, niNumber } = values as Record<'lastName' | 'dateOfBirth' | 'niNumber', string>;
      if (lastName.trim() === '' || lastName.length > 100) throw SandboxError.badRequest('lastName must be 1 to 100 characters');
      if (parseDay(dateOfBirth) === undefined) throw SandboxError.badRequest('dateOfBirth must be a date (YYYY-MM-DD)');
      if (!NI_NUMBER.test(niNumber)) throw SandboxError.badRequest('niNumber must look like QQ123456C');
      const ref = dataset.findByNiNumber(vpdIndex, niNumber);
      const person = ref && store.getPerson(ref);
      const matches = person && person.lastName.toLowerCase() === lastName.trim().toLowerCase() && person.dateOfBirth === dateOfBirth;
      return summaries([matches ? ref : undefined]);
    }
    throw SandboxError.badRequest(
      'search by exactly one of: employeeNumber; assignmentNumber; or lastName, dateOfBirth and niNumber together',
    );
  }

  app.get<{ Params: { vpd: string }; Querystring: Query }>(
    '/esr/v1/vpds/:vpd/people',
    ctx.esr<{ vpd: string }>((request, reply) => {
      const { vpd } = request.params;
      // The contract gives this endpoint no 404: a VPD the client cannot read is 403.
      const vpdIndex = ctx.vpdIndexOr(vpd, () => new SandboxError(403, 'forbidden', `VPD ${vpd} is not one this client may read`));
      return extractDate(reply).send({ items: ctx.maybeMalformed(searchPeople(vpdIndex, request.query)) });
    }),
  );

  app.get<{ Params: { vpd: string; employeeNumber: string }; Querystring: Query }>(
    '/esr/v1/vpds/:vpd/people/:employeeNumber',
    ctx.esr<{ vpd: string; employeeNumber: string }>((request, reply) => {
      const { vpd, employeeNumber } = request.params;
      const vpdIndex = ctx.vpdIndexOr(vpd, () => SandboxError.notFound(`no VPD ${vpd}`));
      const ref = dataset.findByEmployeeNumber(vpdIndex, employeeNumber);
      if (!ref) throw SandboxError.notFound(`no employee ${employeeNumber} in VPD ${vpd}`);
      return extractDate(reply).send(store.getPerson(ref));
    }),
  );
}
