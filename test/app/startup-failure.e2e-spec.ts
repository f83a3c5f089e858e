import { spawnSync } from 'node:child_process';
import { assertBuilt, MAIN_JS } from '../faults/gateway-process';

/** Runs `node dist/main.js` with only these variables; returns its exit code and every line it printed. */
function start(env: Record<string, string>): { status: number | null; lines: string[] } {
  const result = spawnSync(process.execPath, [MAIN_JS], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const lines = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
  return { status: result.status, lines };
}

/** The start of an ANSI escape sequence (ESC [), as Nest's coloured console output writes them. */
const ANSI = `${String.fromCharCode(27)}[`;
const PRODUCTION_WITHOUT_SECRETS = { NODE_ENV: 'production' };
const UNREACHABLE_DATABASE = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
  API_KEYS: 'portal:0123456789abcdef:portal',
  AUDIT_HMAC_SECRET: '0123456789abcdef0123',
  ESR_BASE_URL: 'http://127.0.0.1:9',
  ALLOW_INSECURE_HTTP: 'true',
};

describe('start-up failure (node dist/main.js)', () => {
  beforeAll(() => assertBuilt());

  it('should print exactly one fatal JSON line naming the bad variables and exit 1', () => {
    const { status, lines } = start(PRODUCTION_WITHOUT_SECRETS);
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(ANSI);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: 60, variables: ['API_KEYS', 'AUDIT_HMAC_SECRET', 'ESR_BASE_URL'] });
    expect(line.msg).toContain('invalid configuration: API_KEYS: must be set outside local mode');
    expect(line.err).toBeUndefined();
  });

  it('should include the stack in that line with LOG_LEVEL=debug', () => {
    const { status, lines } = start({ ...PRODUCTION_WITHOUT_SECRETS, LOG_LEVEL: 'debug' });
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line.level).toBe(60);
    expect(line.err.stack).toContain('ConfigValidationError');
  });

  it('should name the secret file that cannot be read', () => {
    const { status, lines } = start({ ...PRODUCTION_WITHOUT_SECRETS, API_KEYS_FILE: '/nonexistent/api-keys' });
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).variables).toContain('API_KEYS_FILE');
  });

  it('should report an unreachable database as one line naming DATABASE_URL, without Nest output', () => {
    const { status, lines } = start(UNREACHABLE_DATABASE);
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(ANSI);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: 60, variables: ['DATABASE_URL'] });
    expect(line.msg).toContain('the database (DATABASE_URL) cannot be reached or migrated');
  }, 60_000);
});
