/**
 * Faults the sandbox can be told to inject, so that the gateway's resilience can be tried against
 * something real. Faults apply to the ESR API (/esr/v1/...); the token endpoint gets latency and
 * hanging only (the contract gives it no 429/503), and the /sandbox admin endpoints get none.
 */
import { SandboxError } from './sandbox.errors';

export interface SandboxFaults {
  /** Added delay before every answer, in milliseconds. */
  latencyMs?: number;
  /** Share of ESR API requests (0..1) answered with 500. */
  errorRate?: number;
  /** Answer every ESR API request with 503 and this Retry-After. */
  maintenance?: { retryAfterSeconds: number } | null;
  /** Never answer: hold the request open until the client gives up or the sandbox closes. */
  hang?: boolean;
  /** Mix items that break the contract's schema into listings (role assignments, changes, people). */
  malformedItems?: boolean;
  /** One-off action, not a lasting fault: revoke every token issued so far (they then get 401). */
  expireTokens?: boolean;
  /** Answer every ESR API request with 429 and this Retry-After, whatever the request rate. */
  throttle?: { retryAfterSeconds: number } | null;
}

/** The lasting faults in force (expireTokens is an action, so it is never part of this). */
export interface ActiveFaults {
  latencyMs: number;
  errorRate: number;
  maintenance: { retryAfterSeconds: number } | null;
  hang: boolean;
  malformedItems: boolean;
  throttle: { retryAfterSeconds: number } | null;
}

export const NO_FAULTS: Readonly<ActiveFaults> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  maintenance: null,
  hang: false,
  malformedItems: false,
  throttle: null,
});

const KEYS = new Set(['latencyMs', 'errorRate', 'maintenance', 'hang', 'malformedItems', 'expireTokens', 'throttle']);
export const MAX_LATENCY_MS = 600_000;
export const MAX_RETRY_AFTER_SECONDS = 86_400;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function retryAfter(name: string, value: unknown): { retryAfterSeconds: number } | null {
  if (value === null || value === undefined || value === false) return null;
  if (!isRecord(value) || Object.keys(value).some((k) => k !== 'retryAfterSeconds'))
    throw SandboxError.badRequest(`${name} must be null or { "retryAfterSeconds": integer }`);
  const seconds = value.retryAfterSeconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > MAX_RETRY_AFTER_SECONDS)
    throw SandboxError.badRequest(`${name}.retryAfterSeconds must be an integer from 0 to ${MAX_RETRY_AFTER_SECONDS}`);
  return { retryAfterSeconds: seconds };
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw SandboxError.badRequest(`${name} must be a boolean`);
  return value;
}

/**
 * Validates a fault set (from JSON or a caller) and returns the lasting faults it describes, plus
 * whether tokens are to be expired now. Omitted faults are off. Throws SandboxError 400 if invalid.
 */
export function parseFaults(input: unknown): { faults: ActiveFaults; expireTokens: boolean } {
  if (input === undefined || input === null) return { faults: { ...NO_FAULTS }, expireTokens: false };
  if (!isRecord(input)) throw SandboxError.badRequest('faults must be a JSON object');
  const unknown = Object.keys(input).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) throw SandboxError.badRequest(`unknown fault(s): ${unknown.join(', ')}`);
  const { latencyMs = 0, errorRate = 0 } = input;
  if (typeof latencyMs !== 'number' || !Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > MAX_LATENCY_MS)
    throw SandboxError.badRequest(`latencyMs must be an integer from 0 to ${MAX_LATENCY_MS}`);
  if (typeof errorRate !== 'number' || !Number.isFinite(errorRate) || errorRate < 0 || errorRate > 1)
    throw SandboxError.badRequest('errorRate must be a number from 0 to 1');
  return {
    faults: {
      latencyMs,
      errorRate,
      maintenance: retryAfter('maintenance', input.maintenance),
      hang: flag('hang', input.hang),
      malformedItems: flag('malformedItems', input.malformedItems),
      throttle: retryAfter('throttle', input.throttle),
    },
    expireTokens: flag('expireTokens', input.expireTokens),
  };
}

/**
 * An item that looks like the real thing but breaks the contract, in one of five ways (cycled by n):
 * a required field missing, an identifier of the wrong type, a date in the wrong format, a value
 * outside an enum, or not an object at all.
 */
export function malformedItem(sample: object, n: number): unknown {
  const copy = JSON.parse(JSON.stringify(sample)) as Record<string, unknown>;
  const setIfPresent = (keys: readonly string[], value: unknown): void => {
    for (const key of keys) if (key in copy) copy[key] = value;
  };
  switch (n % 5) {
    case 0:
      delete copy[Object.keys(copy)[0]];
      return copy;
    case 1:
      setIfPresent(['employeeNumber', 'assignmentId'], 30581377);
      return copy;
    case 2:
      setIfPresent(['effectiveStartDate', 'dateOfBirth', 'changedAt'], '31/12/2025');
      return copy;
    case 3:
      if (isRecord(copy.person)) copy.person = { ...copy.person, systemPersonType: 'CONTRACTOR' };
      setIfPresent(['systemPersonType'], 'CONTRACTOR');
      setIfPresent(['op'], 'merge');
      return copy;
    default:
      return 'malformed-item';
  }
}

/**
 * Adds a malformed item after the first item and after every tenth one. They come on top of the
 * page's valid items (which are all still there), so a client that skips them loses nothing.
 */
export function withMalformedItems(items: readonly object[], nextVariant: () => number): unknown[] {
  const result: unknown[] = [];
  items.forEach((item, index) => {
    result.push(item);
    if (index % 10 === 0) result.push(malformedItem(item, nextVariant()));
  });
  return result;
}
