import { createHash } from 'node:crypto';
import type { VpdHealth } from '../domain/sync-health';
import { formatUkDateTime } from '../domain/uk-time';
import type { SyncStatusVpdDto } from '../sync/dto/sync-responses.dto';
import type { WebhookBacklog } from './status-page.sources';

/** Everything the page shows: VPD codes, states, counts and times only (no personal data). */
export interface StatusPageModel {
  nowMs: number;
  signedInAs: string;
  vpds: Array<SyncStatusVpdDto & { health: VpdHealth }>;
  leader: string | null;
  breaker: 'closed' | 'open' | 'half-open';
  /** null: webhooks off; 'unavailable': the outbox could not be read. */
  webhooks: WebhookBacklog | null | 'unavailable';
  /** Set when the sync status could not be read (the page still renders, and says so). */
  error?: string;
  /** Seconds between refreshes while a run is in progress. */
  refreshSeconds: number;
}

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:0;color:#212b32;background:#f0f4f5}
header{background:#005eb8;color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
header h1{font-size:20px;margin:0}header form{margin:0}header small{color:#e8edee}
main{padding:16px 24px;max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 20px}
th,td{border:1px solid #d8dde0;padding:6px 8px;text-align:left;vertical-align:top}th{background:#e8edee}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#007f3b;font-weight:600}.warn{color:#8a5a00;font-weight:600}.bad{color:#d5281b;font-weight:600}.run{color:#005eb8;font-weight:600}
.banner{padding:10px 14px;border-left:6px solid;background:#fff;margin:8px 0 16px}
.banner.ok{border-color:#007f3b}.banner.bad{border-color:#d5281b}
progress{width:180px;height:14px;vertical-align:middle}
small,.muted{color:#4c6272;font-weight:normal}
button{font:inherit;padding:6px 14px;border:0;border-radius:4px;background:#fff;color:#005eb8;cursor:pointer}
.signin{max-width:420px;background:#fff;padding:20px;margin:40px auto;border:1px solid #d8dde0}
.signin label{display:block;margin-bottom:6px;font-weight:600}.signin input{width:100%;box-sizing:border-box;padding:8px;font:inherit;margin-bottom:12px}
.signin button{background:#005eb8;color:#fff}.error{color:#d5281b;font-weight:600}
`.trim();

/** The page's CSP: the one stylesheet by hash, no script at all, forms only back to this origin. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(CSS).digest('base64')}'`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const NUMBER = new Intl.NumberFormat('en-GB');
const n = (v: number) => NUMBER.format(v);
const esc = (s: string | number | null | undefined) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const time = (iso: string | null, nowMs: number) => {
  if (!iso) return '<span class="muted">never</span>';
  const ms = Date.parse(iso);
  const mins = Math.round((nowMs - ms) / 60_000);
  const ago =
    mins < 1
      ? 'just now'
      : mins < 120
        ? `${mins} min ago`
        : mins < 2880
          ? `${Math.round(mins / 60)} h ago`
          : `${Math.round(mins / 1440)} days ago`;
  return `${esc(formatUkDateTime(ms))} <small>(${ago})</small>`;
};

function page(title: string, body: string, refreshSeconds?: number): string {
  const refresh = refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : '';
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">${refresh}<title>${esc(title)}</title><style>${CSS}</style></head>
<body>${body}</body></html>`;
}

/** The sign-in form (POST /status/sign-in), with an error sentence when a key was refused. */
export function renderSignIn(error?: string): string {
  return page(
    'esr-gateway status: sign in',
    `<header><h1>esr-gateway status</h1></header>
<main><form class="signin" method="post" action="/status/sign-in">
<p>Sign in with an ops API key to see the sync status.</p>${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<label for="key">Ops API key</label><input id="key" name="key" type="password" autocomplete="off" required maxlength="512">
<button type="submit">Sign in</button></form></main>`,
  );
}

const stateClass = (v: { state: string; health: VpdHealth }) =>
  v.health === 'FAILED' ? 'bad' : v.health === 'HELD' || v.health === 'STALE' ? 'warn' : v.state === 'RUNNING' ? 'run' : 'ok';

function progressCell(v: SyncStatusVpdDto): string {
  if (v.state !== 'RUNNING' || !v.progress) return '';
  const p = v.progress;
  // A full listing is expected to be about as long as the VPD's role holders before the run.
  const total = p.mode === 'full' && p.phase === 'listing' && v.holders > 0 ? Math.max(v.holders, p.processed) : undefined;
  const bar = total ? `<progress max="${total}" value="${p.processed}">${Math.floor((p.processed / total) * 100)}%</progress> ` : '';
  const pct = total ? ` (${Math.min(99, Math.floor((p.processed / total) * 100))}%)` : '';
  return `<br>${bar}<small>${esc(p.mode)} ${esc(p.phase)}: ${n(p.processed)}${total ? ` of ~${n(total)}` : ''} read${pct}</small>`;
}

function vpdRow(v: StatusPageModel['vpds'][number], nowMs: number): string {
  const last = v.lastRun
    ? `${esc(v.lastRun.mode)} ${esc(v.lastRun.outcome)}: +${n(v.lastRun.added)} ~${n(v.lastRun.updated)} -${n(v.lastRun.removed)}` +
      ` <small>in ${(v.lastRun.durationMs / 1000).toFixed(1)} s, ${time(v.lastRun.finishedAt, nowMs)}</small>`
    : '<span class="muted">none</span>';
  const health = v.health === 'STALE' ? ' STALE' : '';
  const failures = v.consecutiveFailures ? `${n(v.consecutiveFailures)}${v.lastError ? ` <small>(${esc(v.lastError)})</small>` : ''}` : '0';
  return `<tr><td>${esc(v.vpd)}</td><td><span class="${stateClass(v)}">${esc(v.state)}${health}</span>${progressCell(v)}</td>
<td class="n">${n(v.holders)}</td><td class="n">${n(v.active)}</td><td class="n">${n(v.pending)}</td><td>${time(v.lastSuccessAt, nowMs)}</td>
<td>${last}</td><td class="n">${v.heldRemovals ? `<span class="warn">${n(v.heldRemovals)}</span>` : '0'}</td><td class="n">${failures}</td></tr>`;
}

function webhooksSection(w: StatusPageModel['webhooks'], nowMs: number): string {
  if (w === null) return '<p>Webhooks off <small>(WEBHOOK_URL is not set)</small></p>';
  if (w === 'unavailable') return '<p class="bad">The webhook backlog could not be read.</p>';
  return `<table><tr><th>Pending deliveries</th><th>Dead-lettered</th><th>Oldest pending</th></tr>
<tr><td class="n">${n(w.pending)}</td><td class="n">${w.failed ? `<span class="bad">${n(w.failed)}</span>` : '0'}</td><td>${time(w.oldestPendingAt, nowMs)}</td></tr></table>`;
}

/** The status page. Refreshes itself (meta refresh, no script) while a run is in progress. */
export function renderStatusPage(m: StatusPageModel): string {
  const running = m.vpds.some((v) => v.state === 'RUNNING');
  const attention = m.vpds.filter((v) => v.health !== 'OK');
  const banner = m.error
    ? `<div class="banner bad">${esc(m.error)}</div>`
    : m.vpds.length === 0
      ? '<div class="banner bad">No VPD has been synced yet.</div>'
      : attention.length
        ? `<div class="banner bad">Needs attention: ${attention.map((v) => `${esc(v.vpd)} ${esc(v.health)}`).join(', ')}</div>`
        : `<div class="banner ok">All ${m.vpds.length} VPD(s) are synced and fresh.</div>`;
  const breaker =
    m.breaker === 'closed'
      ? '<span class="ok">closed</span> <small>(ESR answers)</small>'
      : m.breaker === 'half-open'
        ? '<span class="warn">half-open</span> <small>(probing ESR)</small>'
        : '<span class="bad">open</span> <small>(ESR failing: calls fail fast)</small>';
  const rows = m.vpds.map((v) => vpdRow(v, m.nowMs)).join('\n');
  return page(
    'esr-gateway status',
    `<header><h1>esr-gateway status</h1><form method="post" action="/status/sign-out"><small>${esc(m.signedInAs)}</small> <button type="submit">Sign out</button></form></header>
<main><p class="muted">As of ${esc(formatUkDateTime(m.nowMs))} (UK time).${running ? ` A sync is running: this page refreshes every ${m.refreshSeconds} s.` : ''} <a href="/status">Refresh</a></p>
${banner}
<h2>VPDs</h2>
<table><thead><tr><th>VPD</th><th>State</th><th>Holders</th><th>Active</th><th>Pending</th><th>Last success</th><th>Last run</th><th>Held removals</th><th>Failures</th></tr></thead>
<tbody>${rows || '<tr><td colspan="9" class="muted">No VPDs.</td></tr>'}</tbody></table>
<h2>ESR</h2><p>Circuit breaker: ${breaker}. Sync running on: ${m.leader ? esc(m.leader) : '<span class="muted">no replica (idle)</span>'}</p>
<h2>Webhooks</h2>${webhooksSection(m.webhooks, m.nowMs)}
</main>`,
    running ? m.refreshSeconds : undefined,
  );
}
