/**
 * The CLI in a real terminal (tmux): the progress bar of a followed sync is redrawn in place, then the
 * outcome is printed. Skips with a message when tmux is absent (scripts/ensure-services.sh installs it).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BOTH_KEY } from '../support/test-env';
import { CLI_COMMAND, CliGateway, ESCAPE, ROOT, startCliGateway } from './support/cli-harness';

const VPD = '979';
const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasTmux) console.warn('tmux is not installed: the terminal test of the CLI is skipped (apt-get install tmux).');

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A bar line of the VPD: "979    ████░░░░  38% | ...". */
const BAR = new RegExp(`^${VPD} +[█░]+ +(\\d+)% \\|`, 'gm');

(hasTmux ? describe : describe.skip)('esr-gateway CLI in a terminal', () => {
  jest.setTimeout(120_000);
  let gw: CliGateway;
  const session = `esr-cli-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    // Small pages at the gateway's ESR rate limit, so a full listing takes a few seconds.
    gw = await startCliGateway({ vpdCount: 1, roleAssignments: 1500, env: { ESR_PAGE_SIZE: '15', ESR_RATE_LIMIT_PER_SECOND: '20' } });
  });

  afterAll(async () => {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      /* already gone */
    }
    await gw?.close();
  });

  it('should redraw the progress bar in place while the sync runs, and end at 100% with the outcome', async () => {
    const env = `ESR_GATEWAY_URL=${gw.url} ESR_GATEWAY_KEY=${BOTH_KEY}`;
    tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '30', '-c', ROOT, 'bash --norc --noprofile');
    // First run: fills the cache, so the second one has an expected total (holders) to measure against.
    tmux('send-keys', '-t', session, `${env} ${CLI_COMMAND.join(' ')} sync --full --vpd ${VPD} --interval 0.2; echo "FIRST=$?"`, 'Enter');
    await waitForScreen(session, /FIRST=\d/, 60_000);
    tmux('send-keys', '-t', session, 'clear', 'Enter');
    await sleep(300);
    tmux('send-keys', '-t', session, `${env} ${CLI_COMMAND.join(' ')} sync --full --vpd ${VPD} --interval 0.2; echo "EXIT=$?"`, 'Enter');

    const seen = new Set<number>();
    let screen = '';
    const deadline = Date.now() + 60_000;
    while (!/EXIT=\d/.test(screen) && Date.now() < deadline) {
      screen = tmux('capture-pane', '-p', '-t', session);
      for (const m of screen.matchAll(BAR)) seen.add(Number(m[1]));
      await sleep(150);
    }
    expect(screen).toContain('EXIT=0');
    // Several different percentages were shown over time...
    expect([...seen].filter((p) => p > 0 && p < 100).length).toBeGreaterThanOrEqual(2);
    expect(seen.has(100)).toBe(true);
    // ...on one line, redrawn in place: the finished screen holds the bar once, at 100%.
    const bars = [...screen.matchAll(BAR)];
    expect(bars).toHaveLength(1);
    expect(bars[0][1]).toBe('100');
    expect(screen).toMatch(new RegExp(`│ ${VPD} +│ full +│ succeeded`));
    // Colours on a terminal (capture-pane -e keeps the escape codes).
    expect(tmux('capture-pane', '-p', '-e', '-t', session)).toMatch(ESCAPE);
  });
});

async function waitForScreen(session: string, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = tmux('capture-pane', '-p', '-t', session);
    if (pattern.test(screen)) return screen;
    if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}:\n${screen}`);
    await sleep(200);
  }
}
