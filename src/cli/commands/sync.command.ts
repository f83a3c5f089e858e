import type { SyncDryRun, SyncRun, SyncRunAccepted, SyncStatus } from '../api.types';
import { EXIT, ExitCode } from '../cli-error';
import { CommandContext } from '../context';
import { count, elapsed } from '../format';
import { createProgressDisplay, ProgressItem } from '../progress-display';
import { runVpds, SyncProgressTracker, VpdProgressView } from '../sync-progress';

export interface SyncOptions {
  vpd?: string;
  full: boolean;
  dryRun: boolean;
  /** Follow this run instead of starting one. */
  runId?: string;
  pollMs: number;
}

const FINISHED = ['succeeded', 'failed', 'skipped', 'abandoned'];

/**
 * `esr-gateway sync`: starts a run (POST /v1/sync/runs) and follows it (GET /v1/sync/runs/{id} and
 * the per-VPD progress of GET /v1/sync/status) with a progress line per VPD until it ends, then prints
 * the outcome. Exit 0 when every VPD succeeded, 1 when the run was skipped or failed, or a VPD failed
 * or held removals. `--dry-run` prints what a run would change (employee numbers only) and writes nothing.
 */
export async function syncCommand(ctx: CommandContext, options: SyncOptions): Promise<ExitCode> {
  const mode = options.full ? 'full' : 'incremental';
  if (options.dryRun) {
    const dry = await ctx.client.json<SyncDryRun>('POST', '/v1/sync/runs', { body: { vpd: options.vpd, mode, dryRun: true } });
    printDryRun(ctx, dry);
    return EXIT.OK;
  }
  const before = await ctx.client.json<SyncStatus>('GET', '/v1/sync/status');
  const estimates = new Map(before.vpds.map((v) => [v.vpd, v.holders]));
  let runId = options.runId;
  if (!runId) {
    runId = (await ctx.client.json<SyncRunAccepted>('POST', '/v1/sync/runs', { body: { vpd: options.vpd, mode } })).runId;
    ctx.term.note(`Started ${mode} sync run ${runId}${options.vpd ? ` for VPD ${options.vpd}` : ' for every served VPD'}.`);
  } else ctx.term.note(`Following sync run ${runId}.`);
  const run = await follow(
    ctx,
    runId,
    options,
    estimates,
    before.vpds.map((v) => v.vpd),
  );
  return printOutcome(ctx, run);
}

async function follow(
  ctx: CommandContext,
  runId: string,
  options: SyncOptions,
  estimates: Map<string, number>,
  served: string[],
): Promise<SyncRun> {
  const tracker = new SyncProgressTracker(estimates);
  const display = createProgressDisplay(ctx.term);
  const initial = options.vpd ? [options.vpd] : served;
  let waitingNoted = false;
  try {
    for (;;) {
      const run = await ctx.client.json<SyncRun>('GET', `/v1/sync/runs/${encodeURIComponent(runId)}`);
      if (run.state === 'queued' && !waitingNoted) {
        ctx.term.note('Waiting for the run in progress to finish first (up to a minute)...');
        waitingNoted = true;
      }
      const finished = FINISHED.includes(run.state);
      const status = run.state === 'running' ? await ctx.client.json<SyncStatus>('GET', '/v1/sync/status') : undefined;
      const now = ctx.now();
      const vpds = runVpds(finished ? [] : initial, run);
      display.update(
        vpds.map((vpd) =>
          toItem(
            tracker.view(
              vpd,
              run,
              status?.vpds.find((v) => v.vpd === vpd),
              now,
            ),
          ),
        ),
      );
      if (finished) return run;
      await ctx.sleep(options.pollMs);
    }
  } finally {
    display.stop();
  }
}

function toItem(v: VpdProgressView): ProgressItem {
  const known = v.total !== null && v.phase !== 'done' ? ` of ~${count(v.total)}` : '';
  return {
    key: v.vpd,
    label: v.vpd,
    percent: v.percent,
    detail: v.phase === 'waiting' ? 'not started' : v.phase === 'done' ? `${v.changes}` : `${count(v.processed)}${known} read`,
    ratePerSecond: v.ratePerSecond,
    unit: 'items',
    etaMs: v.etaMs,
    stage: v.phase === 'done' ? `done: ${v.outcome}` : v.phase,
    done: v.phase === 'done',
  };
}

function printOutcome(ctx: CommandContext, run: SyncRun): ExitCode {
  const c = ctx.term.color;
  if (run.vpds.length) {
    const table = ctx.term.table(
      ['VPD', 'Mode', 'Outcome', 'Added', 'Updated', 'Removed', 'Held', 'Time', 'Note'],
      ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'left'],
    );
    for (const r of run.vpds) {
      const paint = r.status === 'succeeded' ? c.green : r.status === 'held' ? c.yellow : c.red;
      table.push([
        r.vpd,
        r.mode,
        paint(r.status),
        count(r.added),
        count(r.updated),
        count(r.removed),
        count(r.held),
        elapsed(r.durationMs),
        r.error ?? r.reason ?? '',
      ]);
    }
    ctx.term.print(table.toString());
  }
  const took = run.startedAt && run.finishedAt ? ` in ${elapsed(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}` : '';
  const problems = run.vpds.filter((r) => r.status !== 'succeeded');
  if (run.state === 'succeeded' && problems.length === 0) {
    ctx.term.print(c.green(`Sync run ${run.runId} succeeded${took}: ${run.vpds.length} VPD(s) synced.`));
    return EXIT.OK;
  }
  if (run.state === 'skipped')
    ctx.term.print(c.yellow(`Sync run ${run.runId} was skipped: ${run.reason ?? 'another run held the sync lease'}.`));
  else {
    const held = problems
      .filter((r) => r.status === 'held')
      .map((r) => `${r.vpd} held ${count(r.held)} removal(s): esr-gateway held approve|reject ${r.vpd}`);
    const failed = problems.filter((r) => r.status === 'failed').map((r) => `${r.vpd} failed (${r.error ?? 'error'})`);
    ctx.term.print(
      c.red(
        `Sync run ${run.runId} ${run.state === 'succeeded' ? 'finished' : run.state}${took}${run.reason ? ` (${run.reason})` : ''}: ${[...failed, ...held].join('; ') || 'see above'}.`,
      ),
    );
  }
  return EXIT.ATTENTION;
}

function printDryRun(ctx: CommandContext, dry: SyncDryRun): void {
  const summary = ctx.term.table(
    ['VPD', 'Mode', 'Would add', 'Would update', 'Would remove', 'Removals held?', 'Note'],
    ['left', 'left', 'right', 'right', 'right', 'left', 'left'],
  );
  for (const v of dry.vpds)
    summary.push([
      v.vpd,
      v.mode,
      count(v.added),
      count(v.updated),
      count(v.removed),
      v.wouldHoldRemovals ? 'yes (removal guard)' : 'no',
      v.reason ?? '',
    ]);
  ctx.term.print(summary.toString());
  const changes = [
    ...dry.added.map((i) => ['add', i]),
    ...dry.updated.map((i) => ['update', i]),
    ...dry.removed.map((i) => ['remove', i]),
  ] as Array<[string, { vpd: string; employeeNumber: string; assignmentId: string }]>;
  const { added, updated, removed } = dry.counts;
  if (changes.length) {
    const table = ctx.term.table(['Change', 'VPD', 'Employee number', 'Assignment'], ['left', 'left', 'left', 'left']);
    for (const [kind, i] of changes) table.push([kind, i.vpd, i.employeeNumber, i.assignmentId]);
    ctx.term.print(table.toString());
  }
  const cut = dry.truncated ? ' (lists cut short; the counts are complete)' : '';
  ctx.term.print(
    `Dry run (${dry.mode}): would add ${count(added)}, update ${count(updated)}, remove ${count(removed)}${cut}. Nothing was written.`,
  );
}
