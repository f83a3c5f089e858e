import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { LOCAL_DEV_API_KEY } from '../../src/config/api-keys';
import type { Person } from '../../src/sandbox/sandbox.server';
import { CheckedClient, GatewayRequest, httpTransport } from '../support/checked-client';
import { OpenApiOperation, OpenApiResponseValidator } from '../support/openapi-validator';
import { BOTH_KEY, createTestDatabase, createTestRedisPrefix, OPS_KEY, PORTAL_KEY, REDIS_URL, TEST_API_KEYS } from '../support/test-env';
import { GatewayProcess } from './gateway-process';

/** The public key of local mode (it is in the README): refused everywhere else. */
export const LOCAL_KEY = LOCAL_DEV_API_KEY.secret;
/** A key no gateway knows, shaped like a real one (it must not reach a log either). */
export const UNKNOWN_KEY = 'unknown-key-5d1c0b9e7f3a';
/** The VPD the matrix's requests name (sampleRequest), and one no request names. */
export const ASKED_VPD = '979' as const;
export const OTHER_VPD = '806' as const;
/** Keys restricted to one VPD (API_KEYS `id:secret:scopes:vpd`), by scope and by VPD. */
export const SCOPED_KEYS = {
  portal: { [ASKED_VPD]: 'trust-979-portal-key-7c1e', [OTHER_VPD]: 'trust-806-portal-key-4b9d' },
  ops: { [ASKED_VPD]: 'trust-979-ops-key-0e5a2f', [OTHER_VPD]: 'trust-806-ops-key-93d1c7' },
} as const;
/** The API keys of the gateways with keys: the test keys and the VPD-scoped ones. */
export const MATRIX_API_KEYS = [
  TEST_API_KEYS,
  ...(['portal', 'ops'] as const).flatMap((scope) =>
    ([ASKED_VPD, OTHER_VPD] as const).map((vpd) => `${scope}-${vpd}:${SCOPED_KEYS[scope][vpd]}:${scope}:${vpd}`),
  ),
].join(',');

/** The audit key and ESR client secret of the production-mode gateway. */
export const AUDIT_SECRET = 'matrix-audit-hmac-secret-8e41c7';
export const ESR_CLIENT = { id: 'esr-gateway-matrix', secret: 'esr-client-secret-27b9f0d4' };

export type ModeName = 'production' | 'local' | 'local with API_KEYS';

/** One gateway process in one mode, with what it was given and where it keeps its audit trail. */
export interface SecuredGateway {
  mode: ModeName;
  gateway: GatewayProcess;
  /** Checks every answer against the document this gateway publishes. */
  client: CheckedClient;
  /** Its published document's operations (every route of the matrix). */
  operations: OpenApiOperation[];
  /** Every audit row, each as one JSON text. */
  auditRows(): Promise<string[]>;
  close(): Promise<void>;
}

export interface EsrForGateway {
  url: string;
  vpds: string[];
}

/**
 * Starts `node dist/main.js` in one mode with LOG_LEVEL=trace (its stdout and stderr are kept):
 * - production: NODE_ENV=production, PostgreSQL, Redis, API_KEYS, AUDIT_HMAC_SECRET, ESR_BASE_URL;
 * - local: nothing of those (SQLite, in-process store, built-in sandbox), HOST unset;
 * - local with API_KEYS: still local mode (no NODE_ENV, DATABASE_URL, ESR_BASE_URL), with real keys.
 */
export async function startSecured(mode: ModeName, esr: EsrForGateway): Promise<SecuredGateway> {
  // The matrix sends every route many wrong keys from one address: the throttle of failed keys (429 after
  // AUTH_FAILURES_PER_MINUTE) is not what it tests (test/security/auth-failures.e2e-spec.ts does), so it is out of reach.
  let env: Record<string, string> = { LOG_LEVEL: 'trace', SYNC_ENABLED: 'false', AUTH_FAILURES_PER_MINUTE: '10000' };
  let auditRows: () => Promise<string[]>;
  let cleanup: () => Promise<void>;
  if (mode === 'production') {
    const db = await createTestDatabase();
    const prefix = createTestRedisPrefix();
    env = {
      ...env,
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix.prefix,
      API_KEYS: MATRIX_API_KEYS,
      AUDIT_HMAC_SECRET: AUDIT_SECRET,
      ALLOW_INSECURE_HTTP: 'true',
      ESR_BASE_URL: esr.url,
      ESR_CLIENT_ID: ESR_CLIENT.id,
      ESR_CLIENT_SECRET: ESR_CLIENT.secret,
      ESR_VPDS: esr.vpds.join(','),
    };
    auditRows = async () => {
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      try {
        return (await pg.query('SELECT * FROM audit_events')).rows.map((row) => JSON.stringify(row));
      } finally {
        await pg.end();
      }
    };
    cleanup = async () => {
      await prefix.cleanup();
      await db.drop();
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'esr-gw-matrix-'));
    const file = join(dir, 'gateway.sqlite');
    env = {
      ...env,
      SQLITE_PATH: file,
      ...(mode === 'local with API_KEYS' ? { API_KEYS: MATRIX_API_KEYS, AUDIT_HMAC_SECRET: AUDIT_SECRET } : {}),
    };
    auditRows = async () => {
      const sqlite = await new DataSource({ type: 'better-sqlite3', database: file, readonly: true }).initialize();
      try {
        return (await sqlite.query<unknown[]>('SELECT * FROM audit_events')).map((row) => JSON.stringify(row));
      } finally {
        await sqlite.destroy();
      }
    };
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  // Production mode is told 127.0.0.1 (a shared machine); local mode must choose it by itself.
  const gateway = await new GatewayProcess(mode, env, mode === 'production' ? '127.0.0.1' : null).start();
  const published = await fetch(`${gateway.url}/openapi.json`).then((r) => r.json() as Promise<Record<string, unknown>>);
  const validator = new OpenApiResponseValidator(published);
  return {
    mode,
    gateway,
    client: new CheckedClient(httpTransport(gateway.url), validator),
    operations: validator.operations,
    auditRows,
    close: async () => {
      await gateway.stop();
      await cleanup();
    },
  };
}

/** The scope an operation needs: one of the two, or either of them (e.g. reconciliation, for ops and the portal). */
export type Scope = 'portal' | 'ops' | 'either';

/** The scope the document says an operation needs (from its 403 description), or undefined for a public one. */
export function scopeOf(op: OpenApiOperation): Scope | undefined {
  if (!op.security?.length) return undefined;
  const description = String((op.responses['403'] as { description?: string } | undefined)?.description);
  if (/neither the 'portal' nor the 'ops' scope/.test(description)) return 'either';
  const scope = /lacks the '(portal|ops)' scope/.exec(description)?.[1];
  if (!scope) throw new Error(`${op.method} ${op.path}: the document does not say which scope it needs`);
  return scope as 'portal' | 'ops';
}

export const keyFor = (scope: Scope): string => (scope === 'ops' ? OPS_KEY : PORTAL_KEY);
/** A key of the right scope restricted to one VPD. */
export const scopedKeyFor = (scope: Scope, vpd: typeof ASKED_VPD | typeof OTHER_VPD): string =>
  SCOPED_KEYS[scope === 'ops' ? 'ops' : 'portal'][vpd];
/** A key without the scope needed, or undefined when every scope will do. */
export const wrongKeyFor = (scope: Scope): string | undefined =>
  scope === 'either' ? undefined : scope === 'portal' ? OPS_KEY : PORTAL_KEY;

/** Whether something other than `host` can reach `port` (a gateway bound to 127.0.0.1 refuses 127.0.0.2). */
export function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * One request per operation with plausible path values, the acting user and a body: the search body
 * carries a person's name, date of birth and NI number, so refused calls carry personal data too.
 */
export function sampleRequest(op: OpenApiOperation, person: Person, niNumber: string, other: string): GatewayRequest {
  const values: Record<string, string> = {
    portalUserId: 'matrix.subject@nhs.net',
    vpd: ASKED_VPD,
    employeeNumber: person.employeeNumber,
    runId: '3f2a9f3e-6c1b-4c8e-9a3d-2f1e0b7c5d4a',
  };
  const bodies: Record<string, unknown> = {
    'POST /v1/credential-searches': { vpd: '979', lastName: person.lastName, dateOfBirth: person.dateOfBirth, niNumber },
    'POST /v1/users/{portalUserId}/esr-mappings': { vpd: '979', employeeNumber: other },
    'POST /v1/esr-mappings/import': { items: [{ portalUserId: 'matrix.import@nhs.net', vpd: '979', employeeNumber: other }] },
    'POST /v1/esr-access/batch': { portalUserIds: ['matrix.subject@nhs.net'] },
    'POST /v1/sync/runs': { mode: 'incremental', vpd: '979' },
  };
  return {
    method: op.method as GatewayRequest['method'],
    url: op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x')),
    headers: { 'x-acting-user': 'lsa.matrix@nhs.net', 'x-request-id': `matrix-${op.operationId}` },
    payload: bodies[`${op.method} ${op.path}`],
  };
}

/** Whether a request names a VPD (a `{vpd}` path parameter, a body `vpd`, or import rows'), as the VPD scope guard reads it. */
export function namesVpd(op: OpenApiOperation, request: GatewayRequest): boolean {
  const body = request.payload as { vpd?: unknown; items?: Array<{ vpd?: unknown }> } | undefined;
  return op.path.includes('{vpd}') || typeof body?.vpd === 'string' || Boolean(body?.items?.some((item) => typeof item.vpd === 'string'));
}

/** Whether the document says a route spans every VPD (refused to keys restricted to some VPDs). */
export const spansAllVpds = (op: OpenApiOperation): boolean =>
  /restricted to some VPDs/.test(String((op.responses['403'] as { description?: string } | undefined)?.description));

/** Secrets every gateway of the matrix was given or sent, by name. */
export function secretsOf(): Map<string, string> {
  return new Map([
    ['the portal API key', PORTAL_KEY],
    ['the ops API key', OPS_KEY],
    ['the portal+ops API key', BOTH_KEY],
    ...Object.entries(SCOPED_KEYS).flatMap(([scope, byVpd]) =>
      Object.entries(byVpd).map(([vpd, key]): [string, string] => [`the ${scope} API key of VPD ${vpd}`, key]),
    ),
    ['the unknown key sent', UNKNOWN_KEY],
    ['the local key', LOCAL_KEY],
    ['AUDIT_HMAC_SECRET', AUDIT_SECRET],
    ['the ESR client secret', ESR_CLIENT.secret],
  ]);
}

/** A person's name, date of birth and NI number, by name (what must never be logged or kept). */
export function personalDataOf(
  label: string,
  person: Pick<Person, 'firstName' | 'lastName' | 'dateOfBirth'> & { middleNames?: string | null },
  ni?: string | null,
): Map<string, string> {
  const found = new Map<string, string>([
    [`${label}: first name`, person.firstName],
    [`${label}: last name`, person.lastName],
    [`${label}: date of birth`, person.dateOfBirth],
  ]);
  if (person.middleNames) found.set(`${label}: middle names`, person.middleNames);
  if (ni) found.set(`${label}: NI number`, ni);
  return found;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Which of `needles` occur in `text` (by name, never the value): case-insensitive, names as whole words
 * (so "Amy" is not found in "Amyloid"), dates, NI numbers and secrets anywhere.
 */
export function leaksIn(where: string, text: string, needles: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [name, value] of needles) {
    if (!value) continue;
    const pattern = /name/.test(name) ? `(?<!\\p{L})${escape(value)}(?!\\p{L})` : escape(value);
    if (new RegExp(pattern, 'iu').test(text)) found.push(`${where}: ${name}`);
  }
  return found;
}
