import { finished } from 'node:stream/promises';
import type { Reconciliation, ReconciliationKind } from '../api.types';
import { EXIT, ExitCode } from '../cli-error';
import { CommandContext, requireActingUser } from '../context';
import { count, when } from '../format';

export interface ReconcileOptions {
  vpd: string;
  csv: boolean;
  kind?: ReconciliationKind;
  /** Table mode: stop after this many rows (the counts are always complete). */
  limit: number;
}

const COUNT_LABELS: Array<[keyof Reconciliation['counts'], string]> = [
  ['unmappedHolders', 'Role holders with no portal account mapped (UNMAPPED_HOLDER)'],
  ['noRole', 'Mapped, no role in ESR (NO_ROLE)'],
  ['inactive', 'Mapped, ESR record not active (INACTIVE)'],
  ['pending', 'Mapped, role not effective yet (PENDING)'],
  ['unverified', 'Mapped, not yet checked in ESR (UNVERIFIED)'],
  ['active', 'Mapped and active'],
];

/**
 * `esr-gateway reconcile VPD`: the reconciliation lists of GET /v1/vpds/{vpd}/reconciliation. As a
 * table (following nextCursor up to --limit rows), or with --csv the gateway's own CSV (all pages),
 * streamed to stdout as it arrives. The lists hold names and portal ids: the gateway asks for the acting
 * user (--acting-user) and audits the read.
 */
export async function reconcileCommand(ctx: CommandContext, options: ReconcileOptions): Promise<ExitCode> {
  requireActingUser(ctx, 'reconcile');
  const path = `/v1/vpds/${options.vpd}/reconciliation`;
  if (options.csv) {
    const body = await ctx.client.stream('GET', path, { accept: 'text/csv', query: { kind: options.kind } });
    body.pipe(ctx.term.stdout, { end: false });
    await finished(body);
    return EXIT.OK;
  }
  let now = ctx.now();
  let cursor: string | undefined;
  let first: Reconciliation | undefined;
  const table = ctx.term.table(['Kind', 'Employee number', 'Portal user', 'Name', 'Effective from', 'Reason']);
  let rows = 0;
  let more = false;
  do {
    const page: Reconciliation = await ctx.client.json<Reconciliation>('GET', path, { query: { kind: options.kind, cursor } });
    if (!first) {
      first = page;
      // The gateway judged the rows at asOf: never earlier than that, whatever this machine's clock says.
      now = Math.max(now, Date.parse(page.asOf) || 0);
    }
    for (const item of page.items) {
      if (rows >= options.limit) {
        more = true;
        break;
      }
      table.push([
        item.kind,
        item.employeeNumber,
        item.portalUserId ?? '-',
        item.displayName ?? '-',
        item.effectiveFrom ? when(item.effectiveFrom, now, 'any') : '-',
        item.reason,
      ]);
      rows++;
    }
    cursor = page.nextCursor ?? undefined;
    if (rows >= options.limit && cursor) more = true;
  } while (cursor && !more);
  const counts = ctx.term.table(['List', 'Count'], ['left', 'right']);
  for (const [key, label] of COUNT_LABELS) counts.push([label, count(first.counts[key] ?? 0)]);
  ctx.term.print(`Reconciliation of VPD ${first.vpd} as of ${when(first.asOf, now)}`);
  ctx.term.print(counts.toString());
  ctx.term.print(rows ? table.toString() : 'Nothing to reconcile.');
  if (more) ctx.term.print(`Showing the first ${count(rows)} rows: use --csv for all of them, or --kind to narrow.`);
  return EXIT.OK;
}
