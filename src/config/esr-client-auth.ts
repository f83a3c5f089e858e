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

/** The ESR client-authentication variables, as validateEnvironment holds them. */
export interface EsrClientAuthVariables {
  ESR_CLIENT_AUTH: string;
  ESR_CLIENT_PRIVATE_KEY?: string;
  ESR_CLIENT_KEY_ID?: string;
  ESR_CLIENT_ASSERTION_ALG?: string;
}

/** private_key_jwt needs a readable private key of a supported type and its kid; each problem names its variable. */
export function esrClientAuthProblems(env: EsrClientAuthVariables): string[] {
  if (env.ESR_CLIENT_AUTH !== 'private_key_jwt') return [];
  const problems: string[] = [];
  if (!env.ESR_CLIENT_KEY_ID)
    problems.push('ESR_CLIENT_KEY_ID: must be set when ESR_CLIENT_AUTH=private_key_jwt (the kid ESR knows the key by)');
  if (!env.ESR_CLIENT_PRIVATE_KEY) {
    problems.push('ESR_CLIENT_PRIVATE_KEY_FILE: must be set when ESR_CLIENT_AUTH=private_key_jwt (a PEM private key, PKCS#8)');
    return problems;
  }
  try {
    parseEsrClientKey(env.ESR_CLIENT_PRIVATE_KEY, env.ESR_CLIENT_ASSERTION_ALG as EsrAssertionAlgorithm | undefined);
  } catch (error) {
    problems.push(`ESR_CLIENT_PRIVATE_KEY_FILE: the key ${(error as Error).message}`);
  }
  return problems;
}
