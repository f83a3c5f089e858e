import { vpdHealth, VpdHealth } from '../../domain/sync-health';
import type { SyncStatus, SyncStatusVpd } from '../api.types';
import { EXIT, ExitCode } from '../cli-error';
import { breakerState, BreakerState, CommandContext } from '../context';
import { count, relative, runSummary, when } from '../format';
import type { Colors } from '../terminal';

export interface StatusOptions {
  json: boolean;
  maxStalenessMs: number;
}

/**
 * `esr-gateway status`: a table of the served VPDs and the ESR circuit breaker. Exit 0 when every VPD
 * is OK (IDLE or running, with a last success inside the staleness), 1 when any is FAILED, HELD or
 * STALE. Reads GET /v1/sync/status (ops) and the breaker gauge of GET /metrics.
 */
export async function statusCommand(ctx: CommandContext, options: StatusOptions): Promise<ExitCode> {
  const [status, breaker] = await Promise.all([ctx.client.json<SyncStatus>('GET', '/v1/sync/status'), breakerState(ctx.client)]);
  const now = ctx.now();
  const rows = status.vpds.map((v) => ({ ...v, health: vpdHealth(v, now, options.maxStalenessMs) }));
  // No VPD at all: nothing has been synced, so nobody can be granted access.
  const healthy = rows.length > 0 && rows.every((r) => r.health === 'OK');
  if (options.json) {
    ctx.term.print(
      JSON.stringify({ healthy, breaker, leader: status.leader, maxStalenessMs: options.maxStalenessMs, vpds: rows }, null, 2),
    );
    return healthy ? EXIT.OK : EXIT.ATTENTION;
  }
  const c = ctx.term.color;
  const table = ctx.term.table(
    ['VPD', 'State', 'Holders', 'Active', 'Pending', 'Last success', 'Last run', 'Held removals'],
    ['left', 'left', 'right', 'right', 'right', 'left', 'left', 'right'],
  );
  for (const v of rows) {
    table.push([
      v.vpd,
      stateCell(v, v.health, c),
      count(v.holders),
      count(v.active),
      count(v.pending),
      when(v.lastSuccessAt, now),
      v.lastRun ? `${runSummary(v.lastRun)} (${v.lastRun.outcome}, ${relative(now - Date.parse(v.lastRun.finishedAt))})` : 'none',
      v.heldRemovals ? c.yellow(count(v.heldRemovals)) : '0',
    ]);
  }
  ctx.term.print(rows.length ? table.toString() : 'The gateway serves no VPDs yet (none synced, and ESR_VPDS is unset).');
  ctx.term.print(`ESR circuit breaker: ${breakerCell(breaker, c)}`);
  ctx.term.print(`Sync running on: ${status.leader ?? 'no replica (idle)'}`);
  const attention = rows.filter((r) => r.health !== 'OK');
  if (healthy) ctx.term.print(c.green(`All ${rows.length} VPD(s) are synced and fresh.`));
  else if (rows.length === 0) ctx.term.print(c.red('Needs attention: no VPD has been synced yet.'));
  else ctx.term.print(c.red(`Needs attention: ${attention.map((r) => `${r.vpd} ${explain(r, r.health, now)}`).join('; ')}.`));
  return healthy ? EXIT.OK : EXIT.ATTENTION;
}

function stateCell(v: SyncStatusVpd, health: VpdHealth, c: Colors): string {
  let text: string = v.state;
  if (v.state === 'RUNNING' && v.progress) text += ` (${v.progress.phase}, ${count(v.progress.processed)} read)`;
  if (health === 'STALE') text += ' STALE';
  const paint = health === 'OK' ? (v.state === 'RUNNING' ? c.cyan : c.green) : health === 'STALE' || health === 'HELD' ? c.yellow : c.red;
  return paint(text);
}

function breakerCell(state: BreakerState, c: Colors): string {
  if (state === 'closed') return c.green('closed (ESR answers)');
  if (state === 'half-open') return c.yellow('half-open (probing ESR)');
  if (state === 'open') return c.red('open (ESR failing: calls fail fast)');
  return 'unknown (GET /metrics not readable)';
}

function explain(v: SyncStatusVpd, health: VpdHealth, now: number): string {
  if (health === 'FAILED') return `FAILED${v.lastError ? ` (${v.lastError})` : ''}, ${v.consecutiveFailures} failure(s) in a row`;
  if (health === 'HELD') return `HELD: ${count(v.heldRemovals)} removal(s) wait for approve or reject`;
  return v.lastSuccessAt ? `STALE: last success ${relative(now - Date.parse(v.lastSuccessAt))}` : 'STALE: never synced';
}
