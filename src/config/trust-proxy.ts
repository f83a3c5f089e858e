import { isIP } from 'node:net';

/**
 * TRUST_PROXY: comma-separated addresses or CIDRs of the proxies in front of the gateway whose
 * X-Forwarded-For names the client address (Fastify's trustProxy list). Unset or empty: trust none,
 * the client address is the connection's peer.
 */
export function parseTrustProxy(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function isCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** One problem naming TRUST_PROXY for each entry that is not an IP address or CIDR. */
export function trustProxyProblems(raw: string | undefined): string[] {
  const bad = parseTrustProxy(raw).filter((entry) => !isCidr(entry));
  return bad.length === 0
    ? []
    : [`TRUST_PROXY: must be comma-separated IP addresses or CIDRs of proxies (e.g. 10.0.0.0/8,fd00::/8); not ${bad.join(', ')}`];
}
