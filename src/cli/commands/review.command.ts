import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AccessReviewPage } from '../api.types';
import { CliError, EXIT, ExitCode } from '../cli-error';
import { CommandContext } from '../context';
import { count, when } from '../format';

export interface ReviewOptions {
  vpd: string;
  /** Write every row as CSV to this file instead of printing a table. */
  csv?: string;
  /** Table mode: stop after this many rows. */
  limit: number;
}

/** Rows asked for per page in table mode. */
const PAGE_ROWS = 500;

/**
 * `esr-gateway review VPD [--csv FILE]`: the access review of GET /v1/vpds/{vpd}/access-review (ops
 * key, --acting-user: every export is audited with it). A table on the terminal (following nextCursor
 * up to --limit rows, with a count per state), or with --csv the gateway's own CSV of every row,
 * streamed to FILE.
 */
export async function reviewCommand(ctx: CommandContext, options: ReviewOptions): Promise<ExitCode> {
  if (!ctx.client.actingUser)
    throw new CliError('review needs --acting-user (or ESR_GATEWAY_ACTING_USER): the person reviewing, recorded in the audit.', EXIT.USAGE);
  const path = `/v1/vpds/${options.vpd}/access-review`;
  if (options.csv) return writeCsv(ctx, path, options.vpd, options.csv);
  const now = ctx.now();
  const table = ctx.term.table([
    'Portal user',
    'Employee number',
    'Name',
    'State',
    'Since',
    'Created by',
    'Created',
    'Last verified in ESR',
  ]);
  const states = new Map<string, number>();
  let first: AccessReviewPage | undefined;
  let cursor: string | undefined;
  let rows = 0;
  do {
    const page: AccessReviewPage = await ctx.client.json<AccessReviewPage>('GET', path, { query: { cursor, limit: String(PAGE_ROWS) } });
    first ??= page;
    for (const item of page.items) {
      states.set(item.state, (states.get(item.state) ?? 0) + 1);
      if (rows >= options.limit) continue;
      table.push([
        item.portalUserId,
        item.employeeNumber,
        item.displayName ?? '-',
        item.state,
        item.since ? when(item.since, now) : '-',
        item.createdBy,
        when(item.createdAt, now),
        when(item.lastVerifiedAt, now),
      ]);
      rows++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const total = [...states.values()].reduce((a, b) => a + b, 0);
  ctx.term.print(`Access review of VPD ${first.vpd} as of ${when(first.asOf, now)}: ${count(total)} mapping(s)`);
  if (total === 0) {
    ctx.term.print('Nobody is mapped in this VPD.');
    return EXIT.OK;
  }
  const counts = ctx.term.table(['State', 'Mappings'], ['left', 'right']);
  for (const [state, n] of [...states].sort()) counts.push([state, count(n)]);
  ctx.term.print(counts.toString());
  ctx.term.print(table.toString());
  if (total > rows) ctx.term.print(`Showing the first ${count(rows)} of ${count(total)} rows: use --csv FILE for all of them.`);
  return EXIT.OK;
}

/** Streams the gateway's CSV to `file`, counting its lines; says where it went. */
async function writeCsv(ctx: CommandContext, path: string, vpd: string, file: string): Promise<ExitCode> {
  const body = await ctx.client.stream('GET', path, { accept: 'text/csv' });
  let lines = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (const byte of chunk) if (byte === 0x0a) lines++;
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, counter, createWriteStream(file, { flags: 'w', mode: 0o600 }));
  } catch (error) {
    throw new CliError(`Could not write ${file}: ${(error as Error).message}`, EXIT.USAGE);
  }
  ctx.term.print(`Wrote the access review of VPD ${vpd} to ${file}: ${count(Math.max(0, lines - 1))} row(s) and a header line.`);
  return EXIT.OK;
}
