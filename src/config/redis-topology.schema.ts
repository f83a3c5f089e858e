import { Transform } from 'class-transformer';
import { IsOptional, Matches } from 'class-validator';

/**
 * The Redis topology rules validateEnvironment applies beyond each variable's own format: at most one
 * topology (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES), what each needs, and the TLS files.
 */

/** `host:port`, comma-separated (IPv6 hosts in brackets). */
export const HOST_PORT_LIST = /^\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}\s*(,\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}\s*)*$/;

/** An optional `host:port` list variable (empty: unset); a bad one is refused naming the variable. */
export function OptionalHostPortList(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value))(target, property);
    IsOptional()(target, property);
    Matches(HOST_PORT_LIST, { message: `${String(property)} must be a host:port list` })(target, property);
  };
}

/** The optional Redis variables (validateEnvironment only reads variables it knows). */
export const REDIS_OPTIONAL_VARIABLES = [
  'REDIS_URL',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_CLUSTER_NODES',
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_TLS_CA_FILE',
  'REDIS_TLS_CERT_FILE',
  'REDIS_TLS_KEY_FILE',
  'REDIS_TLS_SERVERNAME',
  'REDIS_LEASE_REPLICAS',
] as const;

export type RedisVariables = Partial<Record<(typeof REDIS_OPTIONAL_VARIABLES)[number], string | number>>;

const TOPOLOGIES = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const;

/** One problem per bad combination, each naming the variables. */
export function redisTopologyProblems(env: RedisVariables): string[] {
  const problems: string[] = [];
  const set = TOPOLOGIES.filter((name) => env[name] !== undefined);
  if (set.length > 1) problems.push(`${set.join(', ')}: set only one Redis topology (standalone, Sentinel or Cluster)`);
  if (env.REDIS_SENTINELS !== undefined && env.REDIS_SENTINEL_NAME === undefined)
    problems.push('REDIS_SENTINEL_NAME: must be set with REDIS_SENTINELS (the name the sentinels monitor the primary under)');
  if (env.REDIS_SENTINEL_NAME !== undefined && env.REDIS_SENTINELS === undefined)
    problems.push('REDIS_SENTINEL_NAME: is only used with REDIS_SENTINELS');
  if (env.REDIS_SENTINEL_PASSWORD !== undefined && env.REDIS_SENTINELS === undefined)
    problems.push('REDIS_SENTINEL_PASSWORD: is only used with REDIS_SENTINELS');
  if ((env.REDIS_TLS_CERT_FILE === undefined) !== (env.REDIS_TLS_KEY_FILE === undefined))
    problems.push('REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE: set both (the client certificate and its key) or neither');
  const tlsSet = ['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE', 'REDIS_TLS_SERVERNAME'].filter(
    (name) => env[name as keyof RedisVariables] !== undefined,
  );
  if (set.length === 0) {
    const orphans = ['REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_LEASE_REPLICAS', ...tlsSet].filter(
      (name) => env[name as keyof RedisVariables] !== undefined,
    );
    if (orphans.length > 0)
      problems.push(`${orphans.join(', ')}: need a Redis topology (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES)`);
  }
  if (typeof env.REDIS_URL === 'string' && env.REDIS_URL.startsWith('redis://') && tlsSet.length > 0)
    problems.push(`${tlsSet.join(', ')}: TLS settings need a rediss:// REDIS_URL`);
  return problems;
}

/** `host:port` list to addresses (validated by HOST_PORT_LIST). */
export function parseHostPorts(list: string): Array<{ host: string; port: number }> {
  return list.split(',').map((entry) => {
    const item = entry.trim();
    const colon = item.lastIndexOf(':');
    return { host: item.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(item.slice(colon + 1)) };
  });
}
