import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run, tempDir, Teardown } from './processes';

/** A certificate and its private key, as PEM files. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

export interface TestCertificates {
  dir: string;
  /** The CA that signed `server` and `client`. */
  ca: CertificateFiles;
  /** serverAuth + clientAuth, SAN IP:127.0.0.1 and DNS:localhost, signed by `ca`. */
  server: CertificateFiles;
  /** A client certificate (CN test-client), signed by `ca`. */
  client: CertificateFiles;
  /** A second CA that signed nothing here: for wrong-CA tests. */
  otherCa: CertificateFiles;
  /** The PEM text of a file (e.g. for ioredis's `tls.ca`). */
  pem(file: string): string;
  /** Removes the directory (idempotent). */
  stop(): Promise<void>;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string): Promise<CertificateFiles> {
  const files = { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
  await run('openssl', ['req', '-x509', ...EC, '-keyout', files.keyFile, '-out', files.certFile, '-days', '3', '-subj', `/CN=${name}`]);
  return files;
}

async function makeLeaf(dir: string, name: string, ca: CertificateFiles, extFile: string): Promise<CertificateFiles> {
  const files = { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
  const csr = path.join(dir, `${name}.csr`);
  await run('openssl', ['req', '-new', ...EC, '-keyout', files.keyFile, '-out', csr, '-subj', `/CN=${name}`]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '3',
    '-extfile',
    extFile,
    '-out',
    files.certFile,
  ]);
  return files;
}

/**
 * Makes, with openssl, in a fresh temp dir: a CA, a server certificate for 127.0.0.1/localhost and a
 * client certificate it signed, and an unrelated second CA. EC P-256 keys (fast), valid 3 days.
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const teardown = new Teardown();
  return teardown.guard(async () => {
    const dir = await tempDir('certs');
    teardown.removeDirLater(dir);
    const ext = path.join(dir, 'leaf.ext');
    await writeFile(
      ext,
      ['basicConstraints=CA:FALSE', 'extendedKeyUsage=serverAuth,clientAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost', ''].join('\n'),
    );
    const [ca, otherCa] = await Promise.all([makeCa(dir, 'test-ca'), makeCa(dir, 'other-ca')]);
    const [server, client] = await Promise.all([makeLeaf(dir, 'localhost', ca, ext), makeLeaf(dir, 'test-client', ca, ext)]);
    return { dir, ca, server, client, otherCa, pem: (file: string) => readFileSync(file, 'utf8'), stop: teardown.stop };
  });
}
