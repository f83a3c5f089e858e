/**
 * The sandbox's admin API: what an ESR administrator does (assign, end-date and delete roles,
 * record leavers) plus fault injection and read helpers for tests. The /sandbox HTTP endpoints are
 * thin wrappers over this class. Every change shows in the change feed, stamped with `now`.
 */
import { EMPLOYEE_NUMBER } from '../domain/identifiers';
import { OpaqueCodec } from './sandbox.codec';
import { SandboxError } from './sandbox.errors';
import { ActiveFaults, parseFaults, SandboxFaults } from './sandbox.faults';
import { FixtureKey } from './sandbox.fixtures';
import { PersonRef, SandboxDataset } from './sandbox.generator';
import { SlidingWindowRateLimiter } from './sandbox.rate-limiter';
import { SandboxStore } from './sandbox.store';
import { parseDay, parseTimestamp, ukDay } from './sandbox.time';
import { TokenService } from './sandbox.tokens';
import { Person, RoleAssignment, Vpd } from './sandbox.types';

export interface AssignRoleOptions {
  /** YYYY-MM-DD (UK); defaults to the UK date of createdAt. */
  effectiveStartDate?: string;
  /** YYYY-MM-DD (UK, inclusive) or null; defaults to open-ended. */
  effectiveEndDate?: string | null;
  /** When the role was assigned in ESR; defaults to now. ISO-8601 with offset, or a Date. */
  createdAt?: string | Date;
}

export interface DeactivateOptions {
  /** The person's last day (YYYY-MM-DD, UK); defaults to today. */
  terminationDate?: string;
}

export interface SandboxFixture {
  key: FixtureKey;
  description: string;
  vpd: string;
  employeeNumber: string;
  /** The fixture's role assignment row (which may since have ended or been deleted); null for withoutRole. */
  assignmentId: string | null;
}

export interface PersonLocator {
  vpd: string;
  employeeNumber: string;
}

export interface RoleHolder extends PersonLocator {
  assignmentId: string;
}

/** Internals the admin works on; built by startSandbox. */
export interface SandboxParts {
  dataset: SandboxDataset;
  store: SandboxStore;
  tokens: TokenService;
  rateLimiter: SlidingWindowRateLimiter;
  codec: OpaqueCodec;
  now: () => number;
  /** Role rows carry the holder's name (contract 1.1.0); false: as ESR answers a client that may not read names. Default true. */
  holderNames?: boolean;
}

export class SandboxAdmin {
  private activeFaults: ActiveFaults;

  constructor(private readonly parts: SandboxParts) {
    this.activeFaults = parseFaults({}).faults;
  }

  // ---- reading ----------------------------------------------------------------------------

  vpds(): Vpd[] {
    return this.parts.dataset.vpds();
  }

  /** The awkward cases (see src/sandbox/README.md). */
  fixtures(): SandboxFixture[] {
    return this.parts.dataset.fixturePeople().map((f) => ({ ...f, assignmentId: this.parts.store.fixtureAssignmentId(f.key) ?? null }));
  }

  fixture(key: FixtureKey): SandboxFixture {
    const found = this.fixtures().find((f) => f.key === key);
    if (!found) throw SandboxError.notFound(`no fixture ${key}`);
    return found;
  }

  getPerson(vpd: string, employeeNumber: string): Person | undefined {
    const ref = this.findPerson(vpd, employeeNumber);
    return ref ? this.parts.store.getPerson(ref) : undefined;
  }

  /** A person's full NI number (the API only ever shows it masked), or null if none is recorded. */
  niNumber(vpd: string, employeeNumber: string): string | null {
    return this.parts.dataset.niNumberOf(this.requirePerson(vpd, employeeNumber));
  }

  getRoleAssignment(assignmentId: string): RoleAssignment | undefined {
    return this.parts.store.getRoleAssignment(assignmentId);
  }

  /** Every role row of a person that exists now, ended ones included. */
  roleAssignmentsOf(vpd: string, employeeNumber: string): RoleAssignment[] {
    return this.parts.store.roleAssignmentsOf(this.requirePerson(vpd, employeeNumber));
  }

  /** Number of generated role-assignment slots of a VPD (fixtures and admin-made rows come on top). */
  generatedRoleSlots(vpd: string): number {
    return this.parts.dataset.holderSlots(this.requireVpd(vpd));
  }

  /** The holder of generated role slot n of a VPD (O(1), for any n below generatedRoleSlots). */
  findRoleHolder(vpd: string, n = 0): RoleHolder {
    const vpdIndex = this.requireVpd(vpd);
    if (!Number.isInteger(n) || n < 0 || n >= this.parts.dataset.holderSlots(vpdIndex))
      throw SandboxError.notFound(`VPD ${vpd} has no generated role slot ${n}`);
    const ref = this.parts.dataset.holderOf(vpdIndex, n);
    return {
      vpd,
      employeeNumber: this.parts.dataset.employeeNumber(ref),
      assignmentId: this.parts.dataset.generatedAssignmentId(vpdIndex, n),
    };
  }

  /** The n-th active employee of a VPD who holds no role row at all (for assigning one in tests). */
  findPersonWithoutRole(vpd: string, n = 0): PersonLocator {
    const vpdIndex = this.requireVpd(vpd);
    const people = this.parts.dataset.peopleCount(vpdIndex);
    let seen = 0;
    for (let index = 0; index < people; index++) {
      const ref = { vpdIndex, index };
      if (!this.parts.store.personStatus(ref).active || this.parts.store.roleAssignmentsOf(ref).length > 0) continue;
      if (this.parts.dataset.slotOf(ref) !== undefined) continue;
      if (seen++ === n) return { vpd, employeeNumber: this.parts.dataset.employeeNumber(ref) };
    }
    throw SandboxError.notFound(`VPD ${vpd} has fewer than ${n + 1} active people without the role`);
  }

  /**
   * Role assignments a full listing taken now would contain: in one VPD, or in all. Cheap unless
   * time has moved more than 30 days past start-up (then it counts generated rows one by one).
   */
  countRoleAssignments(vpd?: string): number {
    const today = ukDay(this.parts.now());
    const indexes = vpd === undefined ? this.vpds().map((v) => this.requireVpd(v.vpd)) : [this.requireVpd(vpd)];
    return indexes.reduce((sum, index) => sum + this.parts.store.countListed(index, today), 0);
  }

  /** A watermark for now: changes since it are the changes made from here on. */
  watermark(): string {
    return this.parts.codec.encodeWatermark({ seq: this.parts.store.head, issuedAt: this.parts.now() });
  }

  /**
   * The watermark of the baseline, 48 hours before start-up: changes since it are the seeded fixture
   * history (end-datings, a deletion, recent assignments), as a client that synced then would see it.
   */
  baselineWatermark(): string {
    return this.parts.codec.encodeWatermark({ seq: 0, issuedAt: this.parts.store.baselineAt });
  }

  // ---- changing ---------------------------------------------------------------------------

  assignRole(vpd: string, employeeNumber: string, options: AssignRoleOptions = {}): RoleAssignment {
    const ref = this.requirePerson(vpd, employeeNumber);
    const createdAt =
      options.createdAt === undefined
        ? undefined
        : options.createdAt instanceof Date
          ? validInstant(options.createdAt.getTime(), 'createdAt')
          : timestamp(options.createdAt, 'createdAt');
    return this.parts.store.assignRole(ref, {
      ...(createdAt === undefined ? {} : { createdAt }),
      ...(options.effectiveStartDate === undefined ? {} : { effectiveStartDay: day(options.effectiveStartDate, 'effectiveStartDate') }),
      ...(options.effectiveEndDate === undefined || options.effectiveEndDate === null
        ? {}
        : { effectiveEndDay: day(options.effectiveEndDate, 'effectiveEndDate') }),
    });
  }

  endDateRole(assignmentId: string, effectiveEndDate: string): RoleAssignment {
    return this.parts.store.endDateRole(assignmentId, day(effectiveEndDate, 'effectiveEndDate'));
  }

  deleteRole(assignmentId: string): void {
    this.parts.store.deleteRole(assignmentId);
  }

  deactivatePerson(vpd: string, employeeNumber: string, options: DeactivateOptions = {}): Person {
    const ref = this.requirePerson(vpd, employeeNumber);
    const terminationDay = options.terminationDate === undefined ? undefined : day(options.terminationDate, 'terminationDate');
    return this.parts.store.deactivatePerson(ref, terminationDay);
  }

  // ---- faults and limits ------------------------------------------------------------------

  /** Replaces the fault set: the faults given are on, every other one is off. */
  setFaults(faults: SandboxFaults): ActiveFaults {
    const parsed = parseFaults(faults);
    this.activeFaults = parsed.faults;
    if (parsed.expireTokens) this.expireTokens();
    return this.faults();
  }

  clearFaults(): ActiveFaults {
    return this.setFaults({});
  }

  faults(): ActiveFaults {
    return structuredClone(this.activeFaults);
  }

  /** Revokes every token issued so far: requests with them get 401 until the client gets a new one. */
  expireTokens(): void {
    this.parts.tokens.revokeAll();
  }

  /**
   * Registers (or replaces, by kid) a public key the client signs private_key_jwt assertions with: a
   * JWK with a kid, RSA (RS512) or EC P-256 (ES256). Returns the kid; 400 for anything else.
   */
  registerClientKey(jwk: unknown): string {
    return this.parts.tokens.registerClientKey(jwk);
  }

  /** Requests per second per client above which the ESR API answers 429 (0: no limit). */
  setRateLimit(perSecond: number): void {
    this.parts.rateLimiter.setLimit(perSecond);
  }

  get rateLimit(): number {
    return this.parts.rateLimiter.limit;
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** The current faults, without a copy (for the request path). */
  get currentFaults(): Readonly<ActiveFaults> {
    return this.activeFaults;
  }

  private requireVpd(vpd: string): number {
    const index = this.parts.dataset.vpdIndex(vpd);
    if (index === undefined) throw SandboxError.notFound(`no VPD ${vpd}`);
    return index;
  }

  private findPerson(vpd: string, employeeNumber: string): PersonRef | undefined {
    const index = this.parts.dataset.vpdIndex(vpd);
    return index === undefined ? undefined : this.parts.dataset.findByEmployeeNumber(index, employeeNumber);
  }

  private requirePerson(vpd: string, employeeNumber: string): PersonRef {
    const vpdIndex = this.requireVpd(vpd);
    const ref = this.parts.dataset.findByEmployeeNumber(vpdIndex, employeeNumber);
    if (!ref) throw SandboxError.notFound(`no employee ${employeeNumber} in VPD ${vpd}`);
    return ref;
  }
}

function day(value: unknown, name: string): number {
  const parsed = typeof value === 'string' ? parseDay(value) : undefined;
  if (parsed === undefined) throw SandboxError.badRequest(`${name} must be a date (YYYY-MM-DD)`);
  return parsed;
}

function timestamp(value: unknown, name: string): number {
  const parsed = typeof value === 'string' ? parseTimestamp(value) : undefined;
  if (parsed === undefined) throw SandboxError.badRequest(`${name} must be an ISO-8601 timestamp with an offset`);
  return parsed;
}

function validInstant(ms: number, name: string): number {
  if (!Number.isFinite(ms)) throw SandboxError.badRequest(`${name} must be a valid date`);
  return ms;
}

// ---- HTTP body parsing (the /sandbox endpoints) ---------------------------------------------

function record(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  const value = body === undefined || body === null ? {} : body;
  if (typeof value !== 'object' || Array.isArray(value)) throw SandboxError.badRequest('the body must be a JSON object');
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw SandboxError.badRequest(`unknown field(s): ${unknown.join(', ')}`);
  return value as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw SandboxError.badRequest(`${name} must be a string`);
  return value;
}

/** Body of POST /sandbox/vpds/{vpd}/role-assignments. */
export function parseAssignRoleBody(body: unknown): { employeeNumber: string; options: AssignRoleOptions } {
  const fields = record(body, ['employeeNumber', 'effectiveStartDate', 'effectiveEndDate', 'createdAt']);
  const employeeNumber = optionalString(fields, 'employeeNumber');
  if (!employeeNumber || !EMPLOYEE_NUMBER.test(employeeNumber)) throw SandboxError.badRequest('employeeNumber must be 8 digits');
  const end = fields.effectiveEndDate;
  if (end !== undefined && end !== null && typeof end !== 'string')
    throw SandboxError.badRequest('effectiveEndDate must be a date or null');
  const start = optionalString(fields, 'effectiveStartDate');
  const createdAt = optionalString(fields, 'createdAt');
  return {
    employeeNumber,
    options: {
      ...(start === undefined ? {} : { effectiveStartDate: start }),
      ...(end === undefined ? {} : { effectiveEndDate: end }),
      ...(createdAt === undefined ? {} : { createdAt }),
    },
  };
}

/** Body of POST /sandbox/role-assignments/{id}/end-date. */
export function parseEndDateBody(body: unknown): string {
  const fields = record(body, ['effectiveEndDate']);
  const date = optionalString(fields, 'effectiveEndDate');
  if (date === undefined) throw SandboxError.badRequest('effectiveEndDate is required');
  return date;
}

/** Body of POST /sandbox/vpds/{vpd}/people/{employeeNumber}/deactivate (optional). */
export function parseDeactivateBody(body: unknown): DeactivateOptions {
  const fields = record(body, ['terminationDate']);
  const date = optionalString(fields, 'terminationDate');
  return date === undefined ? {} : { terminationDate: date };
}

/** Body of PUT /sandbox/rate-limit. */
export function parseRateLimitBody(body: unknown): number {
  const fields = record(body, ['perSecond']);
  const value = fields.perSecond;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1_000_000)
    throw SandboxError.badRequest('perSecond must be an integer from 0 (no limit) to 1000000');
  return value;
}
