/*
 * The field readers that the checks of ESR's wire format (../shared/contracts/esr-api.yaml) are built
 * from, the ContractViolation they throw, and parseEach, which leaves out the elements of a list that
 * throw it. A failure carries a reason made of the field path and what was expected, never the value
 * itself (values may be personal data).
 */

/** An item or body that breaks the contract. `reason` names the field, never its value. */
export class ContractViolation extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ContractViolation';
  }
}

export type Json = Record<string, unknown>;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export function fail(path: string, expected: string): never {
  throw new ContractViolation(`${path}: expected ${expected}`);
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A real calendar date in `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE_PATTERN.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** An ISO-8601 timestamp with an offset (or Z) on a real calendar date. */
export function isIsoDateTime(value: unknown): value is string {
  return typeof value === 'string' && DATE_TIME_PATTERN.test(value) && isIsoDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value));
}

export function object(value: unknown, path: string): Json {
  if (!isObject(value)) fail(path, 'an object');
  return value;
}

export function string(o: Json, key: string, path: string, pattern?: RegExp): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${path}${key}`, 'a string');
  if (pattern && !pattern.test(v)) fail(`${path}${key}`, `a string matching ${pattern.source}`);
  return v;
}

export function nonEmptyString(o: Json, key: string, path: string): string {
  const v = string(o, key, path);
  if (v.length === 0) fail(`${path}${key}`, 'a non-empty string');
  return v;
}

/** `type: [string, 'null']`, not required: missing becomes null. */
export function nullableString(o: Json, key: string, path: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(`${path}${key}`, 'a string or null');
  return v;
}

export function boolean(o: Json, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${path}${key}`, 'a boolean');
  return v;
}

export function date(o: Json, key: string, path: string): string {
  const v = o[key];
  if (!isIsoDate(v)) fail(`${path}${key}`, 'a date (YYYY-MM-DD)');
  return v;
}

/** A nullable date. `required` fields must be present (possibly null); others default to null. */
export function nullableDate(o: Json, key: string, path: string, required = false): string | null {
  const v = o[key];
  if (v === undefined && !required) return null;
  if (v === null) return null;
  if (!isIsoDate(v)) fail(`${path}${key}`, 'a date (YYYY-MM-DD) or null');
  return v;
}

export function dateTime(o: Json, key: string, path: string): string {
  const v = o[key];
  if (!isIsoDateTime(v)) fail(`${path}${key}`, 'an ISO-8601 timestamp with offset');
  return v;
}

export function oneOf<T extends string>(o: Json, key: string, path: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(`${path}${key}`, `one of ${values.join(', ')}`);
  return v as T;
}

/** Optional and nullable: absent or null is null; anything else must be a boolean. */
export function nullableBoolean(o: Json, key: string, path: string): boolean | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') fail(`${path}${key}`, 'a boolean or null');
  return v;
}

/** Optional and nullable: absent or null is null; anything else must be one of `values`. */
export function nullableOneOf<T extends string>(o: Json, key: string, path: string, values: readonly T[]): T | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  return oneOf(o, key, path, values);
}

/** Optional and nullable: absent or null is null; anything else must be an array of `values` (duplicates dropped, order kept). */
export function nullableOneOfList<T extends string>(o: Json, key: string, path: string, values: readonly T[]): T[] | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && (values as readonly string[]).includes(x)))
    fail(`${path}${key}`, `an array of ${values.join(', ')}, or null`);
  return [...new Set(v as T[])];
}

export function nullableInteger(o: Json, key: string, path: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${path}${key}`, 'an integer or null');
  return v;
}

export function array(o: Json, key: string, path: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${path}${key}`, 'an array');
  return v;
}

export function sameVpd(actual: string, expectedVpd: string | undefined, path: string): void {
  if (expectedVpd !== undefined && actual !== expectedVpd) fail(`${path}vpd`, 'the VPD that was asked for');
}

/** Parses each element; elements that break the contract are left out and their reasons collected. */
export function parseEach<T>(values: unknown[], parse: (value: unknown, index: number) => T, skipped: string[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < values.length; i++) {
    try {
      out.push(parse(values[i], i));
    } catch (e) {
      if (!(e instanceof ContractViolation)) throw e;
      skipped.push(e.reason);
    }
  }
  return out;
}
