/**
 * The ops status page in a real browser: Debian's chromium, headless, driven by playwright-core, with
 * JavaScript switched off (the page must work without it). Skips with a message when chromium is
 * absent (scripts/ensure-services.sh installs it); installs nothing itself.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium } from 'playwright-core';
import { OPS_KEY, PORTAL_KEY } from '../support/test-env';
import { CliGateway, ROOT, startCliGateway } from '../cli/support/cli-harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`chromium not found at ${CHROMIUM}: the status page browser test is skipped (apt-get install chromium).`);
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const VPD = '979';

(hasChromium ? describe : describe.skip)('Status page (/status) in headless chromium', () => {
  jest.setTimeout(120_000);
  let gw: CliGateway;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    gw = await startCliGateway({
      vpdCount: 2,
      roleAssignments: 1500,
      env: {
        STATUS_PAGE_ENABLED: 'true',
        STATUS_PAGE_SESSION_SECRET: 'status-page-test-secret-0123456789abcdef',
        ESR_PAGE_SIZE: '15',
        ESR_RATE_LIMIT_PER_SECOND: '20',
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 720 } });
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  const ops = () => ({ authorization: `Bearer ${OPS_KEY}` });
  const runOf = async (runId: string) => (await gw.t.app.inject({ method: 'GET', url: `/v1/sync/runs/${runId}`, headers: ops() })).json();

  it('should refuse the page without sign-in, showing only the sign-in form', async () => {
    const page = await context.newPage();
    const res = await page.goto(`${gw.url}/status`);
    expect(res?.status()).toBe(401);
    expect(await page.locator('form.signin input[name=key][type=password]').count()).toBe(1);
    expect(await page.locator('table').count()).toBe(0);
    const headers = res?.headers() ?? {};
    expect(headers['content-security-policy']).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(headers['content-security-policy']).not.toMatch(/script-src|unsafe-inline/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['cache-control']).toBe('no-store');
    await page.close();
  });

  it('should refuse a wrong key and a portal key, and sign in with an ops key with an HttpOnly, SameSite=Strict cookie', async () => {
    const page = await context.newPage();
    await page.goto(`${gw.url}/status`);
    for (const key of ['not-a-key', PORTAL_KEY]) {
      await page.fill('input[name=key]', key);
      await Promise.all([page.waitForLoadState(), page.click('button[type=submit]')]);
      expect(await page.locator('.error').textContent()).toBe('That is not an ops API key of this gateway.');
    }
    expect(await context.cookies()).toEqual([]);
    await page.fill('input[name=key]', OPS_KEY);
    await Promise.all([page.waitForURL(`${gw.url}/status`), page.click('button[type=submit]')]);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'esr_status_session', httpOnly: true, sameSite: 'Strict', path: '/status' });
    expect(cookie.expires).toBeGreaterThan(Date.now() / 1000);
    expect(await page.locator('h2', { hasText: 'VPDs' }).count()).toBe(1);
    await page.close();
  });

  it('should render the VPD table, and show a running sync with its progress, refreshing itself', async () => {
    const first = (
      await gw.t.app.inject({ method: 'POST', url: '/v1/sync/runs', headers: ops(), payload: { mode: 'full', vpd: VPD } })
    ).json();
    await waitUntil(async () => (await runOf(first.runId)).state === 'succeeded');

    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (msg) => violations.push(msg.text()));
    await page.goto(`${gw.url}/status`);
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    const row979 = page.locator('tbody tr', { hasText: VPD }).first();
    expect(await row979.locator('td').nth(1).textContent()).toBe('IDLE');
    expect(await row979.locator('td').nth(2).textContent()).toBe(gw.sandbox.admin.countRoleAssignments(VPD).toLocaleString('en-GB'));
    expect(await page.locator('meta[http-equiv=refresh]').count()).toBe(0);
    expect(await page.locator('text=Webhooks off').count()).toBe(1);
    expect(await page.locator('text=Circuit breaker: closed').count()).toBe(1);

    const second = (
      await gw.t.app.inject({ method: 'POST', url: '/v1/sync/runs', headers: ops(), payload: { mode: 'full', vpd: VPD } })
    ).json();
    await waitUntil(async () => {
      await page.goto(`${gw.url}/status`);
      return (await page.locator('progress').count()) > 0 && Number(await page.locator('progress').getAttribute('value')) > 0;
    });
    expect(await row979.locator('td').nth(1).textContent()).toMatch(/^RUNNING.*full listing: [\d,]+ of ~[\d,]+ read \(\d+%\)$/);
    expect(await page.locator('meta[http-equiv=refresh]').getAttribute('content')).toBe('5');
    await mkdir(join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'docs', 'status-page.png'), fullPage: true });
    expect(violations.filter((v) => /Content Security Policy/i.test(v))).toEqual([]);

    await waitUntil(async () => (await runOf(second.runId)).state === 'succeeded');
    await page.goto(`${gw.url}/status`);
    expect(await page.locator('meta[http-equiv=refresh]').count()).toBe(0);
    await page.close();
  });

  it('should sign out, after which the page is refused again', async () => {
    const page = await context.newPage();
    await page.goto(`${gw.url}/status`);
    await Promise.all([page.waitForURL(`${gw.url}/status`), page.click('header button[type=submit]')]);
    expect(await context.cookies()).toEqual([]);
    expect(await page.locator('form.signin').count()).toBe(1);
    await page.close();
  });

  it('should refuse a cross-origin sign-in post', async () => {
    const res = await gw.t.app.inject({
      method: 'POST',
      url: '/status/sign-in',
      headers: { origin: 'https://evil.example', host: new URL(gw.url).host, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `key=${OPS_KEY}`,
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
