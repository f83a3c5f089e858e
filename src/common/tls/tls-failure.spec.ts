import { errorDetail, tlsFailureOf } from './tls-failure';

const failure = (code: string | undefined, message = 'x') => Object.assign(new Error(message), code ? { code } : {});

describe(tlsFailureOf.name, () => {
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'untrusted'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'untrusted'],
    ['CERT_HAS_EXPIRED', 'expired'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'hostname'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'handshake'],
  ])('should read %s as %s', (code, expected) => {
    expect(tlsFailureOf(failure(code))).toBe(expected);
  });

  it('should read a TLS record that is not TLS as a plaintext server', () => {
    expect(tlsFailureOf(failure('ERR_SSL_WRONG_VERSION_NUMBER', 'SSL routines:ssl3_get_record:wrong version number'))).toBe('not-tls');
  });

  it('should not read an unreachable server or a non-error as a TLS failure', () => {
    expect(tlsFailureOf(failure('ECONNREFUSED'))).toBeNull();
    expect(tlsFailureOf(failure('ETIMEDOUT'))).toBeNull();
    expect(tlsFailureOf('boom')).toBeNull();
    expect(tlsFailureOf(null)).toBeNull();
  });

  it('should read errors of another realm by their shape', () => {
    expect(tlsFailureOf({ code: 'CERT_UNTRUSTED', message: 'certificate not trusted' })).toBe('untrusted');
  });
});

describe(errorDetail.name, () => {
  it('should give the code, else the start of the message', () => {
    expect(errorDetail(failure('EPROTO'))).toBe('EPROTO');
    expect(errorDetail(failure(undefined, 'The server does not support SSL connections'))).toBe(
      'The server does not support SSL connections',
    );
  });
});
