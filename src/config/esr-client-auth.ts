import { createPrivateKey, KeyObject } from 'node:crypto';

/** How the gateway authenticates to ESR's token endpoint (ESR_CLIENT_AUTH; esr-api.yaml 1.1.0). */
export const ESR_CLIENT_AUTH_METHODS = ['client_secret_post', 'client_secret_basic', 'private_key_jwt'] as const;
export type EsrClientAuthMethod = (typeof ESR_CLIENT_AUTH_METHODS)[number];

/** The algorithms an ESR client assertion (private_key_jwt) is signed with, by key type. */
export const ESR_ASSERTION_ALGORITHMS = ['RS512', 'ES256'] as const;
export type EsrAssertionAlgorithm = (typeof ESR_ASSERTION_ALGORITHMS)[number];

export interface EsrClientKey {
  key: KeyObject;
  alg: EsrAssertionAlgorithm;
}

/**
 * The private key ESR client assertions are signed with, from PEM (PKCS#8; PKCS#1 and SEC1 also read):
 * RSA of at least 2048 bits signs RS512, EC P-256 signs ES256. `alg`, when given, must fit the key.
 * Throws an Error whose message says what is wrong (never the key).
 */
export function parseEsrClientKey(pem: string, alg?: EsrAssertionAlgorithm): EsrClientKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error('is not a PEM private key');
  }
  const details = key.asymmetricKeyDetails ?? {};
  let fits: EsrAssertionAlgorithm;
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) throw new Error('is an RSA key of fewer than 2048 bits');
    fits = 'RS512';
  } else if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') {
    fits = 'ES256';
  } else {
    throw new Error(`is a ${key.asymmetricKeyType ?? 'unknown'} key; use RSA (RS512) or EC P-256 (ES256)`);
  }
  if (alg && alg !== fits) throw new Error(`signs ${fits}, not ${alg} (ESR_CLIENT_ASSERTION_ALG)`);
  return { key, alg: fits };
}
