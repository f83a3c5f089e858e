import { readFileSync } from 'node:fs';
import { ConfigValidationError, EnvironmentVariables } from '../env.schema';
import { parseHostPorts } from '../redis-topology.schema';

export interface HostPort {
  host: string;
  port: number;
}

/** Which Redis: one standalone server (REDIS_URL), a Sentinel-managed primary, or a Cluster. */
export type RedisTopology =
  { kind: 'standalone'; url: string } | { kind: 'sentinel'; sentinels: HostPort[]; name: string } | { kind: 'cluster'; nodes: HostPort[] };

/** TLS to Redis: the PEM texts read from the REDIS_TLS_* files at boot (unset: the system CAs, no client certificate). */
export interface RedisTls {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
}

/** Reads a file named by a variable, once at boot; an unreadable file stops the start naming the variable. */
export function readSettingFile(variable: string, file: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string {
  try {
    return read(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigValidationError([`${variable}: cannot read ${file} (${code})`]);
  }
}

function topologyOf(env: EnvironmentVariables): RedisTopology | undefined {
  if (env.REDIS_URL) return { kind: 'standalone', url: env.REDIS_URL };
  if (env.REDIS_SENTINELS)
    return { kind: 'sentinel', sentinels: parseHostPorts(env.REDIS_SENTINELS), name: env.REDIS_SENTINEL_NAME as string };
  if (env.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: parseHostPorts(env.REDIS_CLUSTER_NODES) };
  return undefined;
}

/**
 * TLS is on with a rediss:// REDIS_URL, and for Sentinel and Cluster when any REDIS_TLS_* variable is
 * set (the sentinels and the data nodes alike).
 */
function tlsOf(env: EnvironmentVariables, topology: RedisTopology | undefined): RedisTls | undefined {
  const anySet = [env.REDIS_TLS_CA_FILE, env.REDIS_TLS_CERT_FILE, env.REDIS_TLS_KEY_FILE, env.REDIS_TLS_SERVERNAME].some(
    (v) => v !== undefined,
  );
  const on = topology?.kind === 'standalone' ? topology.url.startsWith('rediss://') : topology !== undefined && anySet;
  if (!on) return undefined;
  const tls: RedisTls = {};
  if (env.REDIS_TLS_CA_FILE !== undefined) tls.ca = readSettingFile('REDIS_TLS_CA_FILE', env.REDIS_TLS_CA_FILE);
  if (env.REDIS_TLS_CERT_FILE !== undefined) tls.cert = readSettingFile('REDIS_TLS_CERT_FILE', env.REDIS_TLS_CERT_FILE);
  if (env.REDIS_TLS_KEY_FILE !== undefined) tls.key = readSettingFile('REDIS_TLS_KEY_FILE', env.REDIS_TLS_KEY_FILE);
  if (env.REDIS_TLS_SERVERNAME !== undefined) tls.servername = env.REDIS_TLS_SERVERNAME;
  return tls;
}

/** The shared store: Redis (one topology, its passwords and TLS) or, when none is set, the in-process store. */
export class RedisSettings {
  /** REDIS_URL (standalone), or undefined. */
  readonly url: string | undefined;
  /** The configured topology, or undefined for the in-process store. */
  readonly topology: RedisTopology | undefined;
  /** Prefix of every key the gateway writes (REDIS_KEY_PREFIX). */
  readonly keyPrefix: string;
  /** ACL user and password of the data nodes (REDIS_USERNAME, REDIS_PASSWORD; a REDIS_URL may carry them too). */
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** The sentinels' own password (REDIS_SENTINEL_PASSWORD). */
  readonly sentinelPassword: string | undefined;
  /** TLS (files read once, here), or undefined for plaintext. */
  readonly tls: RedisTls | undefined;
  /** Which variables configure TLS, for start-up messages (e.g. "REDIS_TLS_CA_FILE"). */
  readonly tlsSource: string;
  /** Replicas that must acknowledge a lease write before it counts (REDIS_LEASE_REPLICAS; 1 with Sentinel, else 0). */
  readonly leaseReplicas: number;

  constructor(env: EnvironmentVariables) {
    this.url = env.REDIS_URL;
    this.topology = topologyOf(env);
    this.keyPrefix = env.REDIS_KEY_PREFIX;
    this.username = env.REDIS_USERNAME;
    this.password = env.REDIS_PASSWORD;
    this.sentinelPassword = env.REDIS_SENTINEL_PASSWORD;
    this.tls = tlsOf(env, this.topology);
    this.tlsSource = env.REDIS_TLS_CA_FILE ? 'REDIS_TLS_CA_FILE' : 'the system CAs (REDIS_TLS_CA_FILE unset)';
    this.leaseReplicas = env.REDIS_LEASE_REPLICAS ?? (this.topology?.kind === 'sentinel' ? 1 : 0);
  }

  /** Whether a Redis topology is configured (else the in-process store). */
  get enabled(): boolean {
    return this.topology !== undefined;
  }
}
