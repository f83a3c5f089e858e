import { SandboxOptions, startSandbox, RunningSandbox } from '../../src/sandbox/sandbox.server';
import { call, ContractResponse } from './esr-contract';

export const ROLE = 'Digital Passport Administrator';
export const CLIENT_ID = 'esr-gateway-sandbox';
export const CLIENT_SECRET = 'sandbox-secret';
/** The instant the tests' sandboxes start at (a Wednesday in November: GMT). */
/** One page of an ESR listing or change feed, as the sandbox sends it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  watermark: string;
}

export const START = Date.parse('2026-11-25T10:00:00Z');

/** A clock the tests move by hand. */
export class TestClock {
  constructor(public ms = START) {}
  readonly now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A minimal ESR client for the tests: a token, then authorised GETs. */
export class TestClient {
  token: string | undefined;

  constructor(readonly sandbox: RunningSandbox) {}

  requestToken(form: Record<string, string>): Promise<ContractResponse> {
    return call(`${this.sandbox.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  async login(): Promise<string> {
    const response = await this.requestToken({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    if (response.status !== 200) throw new Error(`token request failed with ${response.status}`);
    this.token = (response.body as { access_token: string }).access_token;
    return this.token;
  }

  /** GET with the client's token, another token, or none (null). */
  get(pathAndQuery: string, query: Record<string, string | undefined> = {}, token?: string | null): Promise<ContractResponse> {
    const bearer = token === undefined ? this.token : token;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.append(key, value);
    const qs = params.toString();
    return call(`${this.sandbox.url}${pathAndQuery}${qs ? `${pathAndQuery.includes('?') ? '&' : '?'}${qs}` : ''}`, {
      headers: bearer === null || bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
    });
  }

  admin(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ContractResponse> {
    return call(`${this.sandbox.url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  }
}

/** Starts a sandbox on an ephemeral port with a test clock, and a logged-in client for it. */
export async function startTestSandbox(
  options: SandboxOptions = {},
  clock = new TestClock(),
): Promise<{ sandbox: RunningSandbox; client: TestClient; clock: TestClock }> {
  const sandbox = await startSandbox({ port: 0, now: clock.now, ...options });
  const client = new TestClient(sandbox);
  await client.login();
  return { sandbox, client, clock };
}
