import { Writable } from 'node:stream';
import { ConfigValidationError } from '../../config/env.schema';
import { describeStartupFailure, reportStartupFailure, StartupError, wantsStack } from './startup-failure';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

describe(describeStartupFailure.name, () => {
  it('should name every variable of a configuration error once, in order', () => {
    const error = new ConfigValidationError([
      'API_KEYS: must be set outside local mode (NODE_ENV=production); local defaults are only for local mode',
      'ESR_BASE_URL must be an http(s) URL',
      'API_KEYS is invalid: entry 1 must be id:secret:scopes',
      'WEBHOOK_SECRET_FILE: cannot read /run/secrets/x (ENOENT)',
    ]);
    const failure = describeStartupFailure(error);
    expect(failure.variables).toEqual(['API_KEYS', 'ESR_BASE_URL', 'WEBHOOK_SECRET_FILE']);
    expect(failure.msg).toContain('invalid configuration: API_KEYS: must be set outside local mode');
    expect(failure.msg).not.toContain('\n');
  });

  it('should take the variables a StartupError names', () => {
    const failure = describeStartupFailure(new StartupError('the database (DATABASE_URL) cannot be reached', ['DATABASE_URL']));
    expect(failure).toEqual({
      msg: 'esr-gateway cannot start: the database (DATABASE_URL) cannot be reached',
      variables: ['DATABASE_URL'],
    });
  });

  it('should name no variable for any other error', () => {
    expect(describeStartupFailure(new Error('listen EADDRINUSE: address already in use'))).toEqual({
      msg: 'esr-gateway cannot start: listen EADDRINUSE: address already in use',
      variables: [],
    });
  });
});

describe(reportStartupFailure.name, () => {
  it('should write one fatal JSON line without the stack at the default level', () => {
    const { stream, lines } = capture();
    reportStartupFailure(new StartupError('the CA file is refused', ['REDIS_TLS_CA_FILE']), {}, stream);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: 60, msg: 'esr-gateway cannot start: the CA file is refused', variables: ['REDIS_TLS_CA_FILE'] });
    expect(line.err).toBeUndefined();
    expect(lines[0]).not.toContain('    at ');
  });

  it('should add the error with its stack at LOG_LEVEL=debug', () => {
    const { stream, lines } = capture();
    reportStartupFailure(new StartupError('refused', ['X'], { cause: new Error('inner') }), { LOG_LEVEL: 'debug' }, stream);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line.level).toBe(60);
    expect(line.err.stack).toContain('StartupError: refused');
  });
});

describe(wantsStack.name, () => {
  it('should want the stack only at debug or trace', () => {
    expect(wantsStack({ LOG_LEVEL: 'debug' })).toBe(true);
    expect(wantsStack({ LOG_LEVEL: 'TRACE' })).toBe(true);
    expect(wantsStack({ LOG_LEVEL: 'info' })).toBe(false);
    expect(wantsStack({})).toBe(false);
  });
});
