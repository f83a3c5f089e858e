/**
 * What went wrong in a TLS connection, from Node's error codes: the start-up checks of Redis and
 * PostgreSQL turn these into one sentence naming the setting to fix. Null for anything else (a server
 * that is merely unreachable is not a TLS failure).
 */
export type TlsFailure =
  /** The server's certificate chain does not lead to a trusted CA. */
  | 'untrusted'
  /** The certificate is trusted but does not name the host connected to. */
  | 'hostname'
  /** The certificate has expired or is not valid yet. */
  | 'expired'
  /** The server did not answer TLS (a plaintext server). */
  | 'not-tls'
  /** The server refused the handshake (e.g. it requires a client certificate). */
  | 'handshake';

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** The message and code of an error-like value (Node's own errors, from any realm). */
export function errorParts(error: unknown): { message: string; code: string } {
  if (typeof error === 'string') return { message: error, code: '' };
  if (typeof error !== 'object' || error === null) return { message: '', code: '' };
  const { message, code } = error as { message?: unknown; code?: unknown };
  return {
    message: typeof message === 'string' ? message : '',
    code: typeof code === 'string' || typeof code === 'number' ? String(code) : '',
  };
}

export function tlsFailureOf(error: unknown): TlsFailure | null {
  const { message, code } = errorParts(error);
  if (UNTRUSTED.has(code)) return 'untrusted';
  if (EXPIRED.has(code)) return 'expired';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') return 'hostname';
  if (/wrong version number|packet length too long|record layer failure|unknown protocol/i.test(message)) return 'not-tls';
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') return 'handshake';
  return null;
}

/** The error's code (or first words of its message), for the end of a start-up sentence. */
export function errorDetail(error: unknown): string {
  const { message, code } = errorParts(error);
  return code || message.slice(0, 120);
}
