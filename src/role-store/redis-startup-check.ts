import type Redis from 'ioredis';
import { connect as connectTcp } from 'node:net';
import type { Cluster } from 'ioredis';
import { errorDetail, errorParts, TlsFailure, tlsFailureOf } from '../common/tls/tls-failure';
import type { RedisSettings } from '../config/settings/redis.settings';
import { StartupCheckError } from '../config/startup-check.errors';

/** Which settings a start-up sentence names. */
export type RedisCheckContext = Pick<RedisSettings, 'topology' | 'tls' | 'tlsSource'>;

/** The variable that turned TLS on (REDIS_URL's rediss:// or the REDIS_TLS_* files). */
function tlsSwitch(context: RedisCheckContext): string {
  return context.topology?.kind === 'standalone' ? "REDIS_URL's rediss://" : 'the REDIS_TLS_* settings';
}

const SENTENCES: Record<TlsFailure, (context: RedisCheckContext) => string> = {
  untrusted: (c) => `Redis TLS verification failed: the server's certificate is not signed by ${c.tlsSource}`,
  hostname: () =>
    "Redis TLS verification failed: the server's certificate does not name the host connected to (set REDIS_TLS_SERVERNAME to a name it lists)",
  expired: () => "Redis TLS verification failed: the server's certificate has expired or is not valid yet",
  'not-tls': (c) => `Redis TLS handshake failed: the server does not speak TLS, but ${tlsSwitch(c)} requires it`,
  handshake: () =>
    'Redis TLS handshake failed: the server refused it (does it require a client certificate? REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE)',
};

/**
 * The one sentence for a connection error that is a configuration mistake (a TLS failure, a refused
 * password), or null for anything else (an unreachable Redis, which readiness reports instead).
 */
export function redisStartupFailure(error: unknown, context: RedisCheckContext): string | null {
  const failure = context.tls ? tlsFailureOf(error) : null;
  if (failure) return `${SENTENCES[failure](context)} (${errorDetail(error)}).`;
  const { message } = errorParts(error);
  if (/\bWRONGPASS\b|invalid username-password pair/i.test(message))
    return 'Redis refused the credentials: check REDIS_PASSWORD and REDIS_USERNAME (or those in REDIS_URL).';
  return null;
}

/** Where the client connects first: the standalone server, the sentinels or the Cluster's seed nodes. */
function firstAddresses(context: RedisCheckContext): Array<{ host: string; port: number }> {
  const topology = context.topology;
  if (!topology) return [];
  if (topology.kind === 'sentinel') return topology.sentinels;
  if (topology.kind === 'cluster') return topology.nodes;
  const url = new URL(topology.url);
  return [{ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 6379) }];
}

/**
 * Whether a server at the address answers a plaintext PING (a RESP reply: "+PONG", "-NOAUTH ..."): a
 * plaintext Redis leaves a TLS handshake unanswered, which alone looks like a server that hangs.
 */
export function answersPlaintext(address: { host: string; port: number }, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: address.host, port: address.port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk: Buffer) => done(/^[+-]/.test(chunk.toString('latin1'))));
  });
}

/** The plaintext sentence when TLS is on and a first address answers in plaintext, else null. */
async function plaintextFailure(context: RedisCheckContext): Promise<string | null> {
  if (!context.tls) return null;
  for (const address of firstAddresses(context))
    if (await answersPlaintext(address)) return `${SENTENCES['not-tls'](context)} (it answered a plaintext PING).`;
  return null;
}

/**
 * Connects at start-up. A TLS failure or refused credentials stop the start with one sentence
 * (StartupCheckError, client disconnected); an unreachable Redis does not (the client keeps reconnecting).
 */
export async function connectAtStartup(client: Redis | Cluster, context: RedisCheckContext): Promise<void> {
  const seen: unknown[] = [];
  const record = (error: unknown) => seen.push(error);
  client.on('error', record);
  client.on('node error', record);
  try {
    await client.connect();
  } catch (error) {
    const causes = [...seen, (error as { lastNodeError?: unknown }).lastNodeError, error];
    const sentence =
      causes.map((cause) => redisStartupFailure(cause, context)).find((s) => s !== null) ?? (await plaintextFailure(context));
    if (sentence) {
      client.disconnect();
      throw new StartupCheckError(sentence);
    }
  } finally {
    client.off('error', record);
    client.off('node error', record);
  }
}
