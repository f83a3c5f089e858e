import type { HeldRemovalsDecision, SyncDryRun, SyncStatus } from '../api.types';
import { CliError, EXIT, ExitCode } from '../cli-error';
import { CommandContext } from '../context';
import { count, runSummary, when } from '../format';

export interface HeldOptions {
  decision: 'approve' | 'reject';
  vpd: string;
  yes: boolean;
  /** Also list the employee numbers a full run would remove now (a dry run: one ESR listing). */
  list: boolean;
}

/**
 * `esr-gateway held approve|reject VPD`: shows what the removal guard holds for the VPD (GET
 * /v1/sync/status) and the run that held them, asks unless --yes, then POST
 * /v1/sync/vpds/{vpd}/held-removals/{decision} (audited with X-Acting-User, which it needs). Exit 1
 * when nothing is held or the answer was no.
 */
export async function heldCommand(ctx: CommandContext, options: HeldOptions): Promise<ExitCode> {
  if (!ctx.client.actingUser)
    throw new CliError(
      `held ${options.decision} needs --acting-user (or ESR_GATEWAY_ACTING_USER): the person deciding, recorded in the audit.`,
      EXIT.USAGE,
    );
  const status = await ctx.client.json<SyncStatus>('GET', '/v1/sync/status');
  const vpd = status.vpds.find((v) => v.vpd === options.vpd);
  if (!vpd) throw new CliError(`VPD ${options.vpd} is not one of the VPDs this gateway serves.`, EXIT.USAGE);
  const now = ctx.now();
  if (vpd.heldRemovals === 0) {
    ctx.term.print(`VPD ${vpd.vpd} has no held removals: nothing to ${options.decision}.`);
    return EXIT.ATTENTION;
  }
  const table = ctx.term.table(
    ['VPD', 'Held removals', 'Held since', 'Role assignments now', 'Run that held them'],
    ['left', 'right', 'left', 'right', 'left'],
  );
  const heldRun = vpd.heldRun ? `${vpd.heldRun.runId} (${runSummary(vpd.heldRun)})` : '-';
  table.push([vpd.vpd, count(vpd.heldRemovals), when(vpd.heldSince, now), count(vpd.holders), heldRun]);
  ctx.term.print(table.toString());
  if (options.list) await listRemovals(ctx, vpd.vpd);

  const n = count(vpd.heldRemovals);
  const question =
    options.decision === 'approve'
      ? `Approve: remove ${n} role assignment(s) from VPD ${vpd.vpd}? Those people lose Search ESR in that VPD.`
      : `Reject: keep the ${n} role assignment(s) in VPD ${vpd.vpd} and discard the held removals?`;
  if (!options.yes && !(await ctx.term.confirm(question))) {
    ctx.term.print('Nothing changed.');
    return EXIT.ATTENTION;
  }
  const path = `/v1/sync/vpds/${vpd.vpd}/held-removals/${options.decision}`;
  const result = await ctx.client.json<HeldRemovalsDecision>('POST', path);
  ctx.term.print(
    result.decision === 'approved'
      ? ctx.term.color.green(
          `Approved: ${count(result.count)} held removal(s) applied in VPD ${result.vpd} (${count(result.removed)} row(s) removed), ` +
            `as ${ctx.client.actingUser}.`,
        )
      : ctx.term.color.green(
          `Rejected: ${count(result.count)} held removal(s) discarded in VPD ${result.vpd}; the role assignments stay (as ${ctx.client.actingUser}).`,
        ),
  );
  return EXIT.OK;
}

async function listRemovals(ctx: CommandContext, vpd: string): Promise<void> {
  ctx.term.note('Listing what a full run would remove now (dry run, nothing written)...');
  const dry = await ctx.client.json<SyncDryRun>('POST', '/v1/sync/runs', { body: { vpd, mode: 'full', dryRun: true } });
  const table = ctx.term.table(['Would remove: employee number', 'Assignment'], ['left', 'left']);
  for (const item of dry.removed) table.push([item.employeeNumber, item.assignmentId]);
  ctx.term.print(table.toString());
  if (dry.truncated) ctx.term.print(`The list stops short: ${count(dry.counts.removed)} removal(s) in all.`);
}
