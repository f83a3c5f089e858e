import { stat } from 'node:fs/promises';
import { CliError, EXIT, ExitCode } from '../cli-error';
import { CommandContext } from '../context';
import { CsvImport, ImportProgress, ImportSummary, MAX_CHUNK_ROWS } from '../csv-import';
import { count, elapsed } from '../format';
import { createProgressDisplay } from '../progress-display';

export interface ImportOptions {
  file: string;
  chunkSize: number;
}

/**
 * `esr-gateway mappings import FILE.csv`: the LSA's spreadsheet sent in chunks with a progress bar
 * (by bytes read, so the file is read once), rejected rows to FILE.rejected.csv, rows saved in a state
 * that gives no Search ESR to FILE.attention.csv, a summary at the end (rows named by file line).
 * Needs a portal-scope key and --acting-user (recorded in the audit). Exit 1 when rows were rejected
 * or need attention.
 */
export async function mappingsImportCommand(ctx: CommandContext, options: ImportOptions): Promise<ExitCode> {
  if (!ctx.client.actingUser)
    throw new CliError(
      'mappings import needs --acting-user (or ESR_GATEWAY_ACTING_USER): the LSA on whose behalf the rows are added.',
      EXIT.USAGE,
    );
  if (!Number.isInteger(options.chunkSize) || options.chunkSize < 1 || options.chunkSize > MAX_CHUNK_ROWS)
    throw new CliError(`--chunk-size must be a whole number from 1 to ${MAX_CHUNK_ROWS}.`, EXIT.USAGE);
  let size: number;
  try {
    const s = await stat(options.file);
    if (!s.isFile()) throw new Error('not a file');
    size = s.size;
  } catch (error) {
    throw new CliError(`Cannot read ${options.file} (${(error as { code?: string }).code ?? (error as Error).message}).`, EXIT.USAGE);
  }
  const display = createProgressDisplay(ctx.term);
  const started = ctx.now();
  const show = (p: ImportProgress, done = false) => {
    const seconds = (ctx.now() - started) / 1000;
    const fraction = size > 0 ? p.bytesRead / size : 1;
    const bytesPerMs = seconds > 0.2 ? p.bytesRead / (seconds * 1000) : 0;
    display.update([
      {
        key: 'import',
        label: 'rows',
        percent: done ? 100 : Math.min(99, fraction * 100),
        detail: `${count(p.rowsRead)} read, ${count(p.created)} created, ${count(p.rejected)} rejected`,
        ratePerSecond: seconds > 0.2 ? p.rowsRead / seconds : null,
        unit: 'rows',
        etaMs: bytesPerMs > 0 ? (size - p.bytesRead) / bytesPerMs : null,
        stage: done ? 'done' : 'importing',
        done,
      },
    ]);
  };
  let summary;
  try {
    summary = await new CsvImport(ctx.client, options.file, options.chunkSize, (p) => show(p), ctx.sleep).run();
    show(summary, true);
  } finally {
    display.stop();
  }
  const c = ctx.term.color;
  const table = ctx.term.table(
    ['Rows read', 'Created', 'Already there', 'Rejected', 'Time'],
    ['right', 'right', 'right', 'right', 'right'],
  );
  table.push([
    count(summary.rowsRead),
    count(summary.created),
    count(summary.skipped),
    count(summary.rejected),
    elapsed(ctx.now() - started),
  ]);
  ctx.term.print(table.toString());
  printAttention(ctx, summary);
  if (summary.rejectedFile)
    ctx.term.print(c.yellow(`${count(summary.rejected)} row(s) rejected: see ${summary.rejectedFile} (line, error and reason per row).`));
  if (summary.rejectedFile || summary.attention) return EXIT.ATTENTION;
  ctx.term.print(c.green(`All ${count(summary.rowsRead)} row(s) imported or already there.`));
  return EXIT.OK;
}

/** "Created 40 (3 need attention: 2 RECORD_INACTIVE, 1 NO_ROLE)", then the first of those rows by line. */
function printAttention(ctx: CommandContext, summary: ImportSummary): void {
  if (!summary.attention) return;
  const c = ctx.term.color;
  const states = Object.entries(summary.attentionByState)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([state, n]) => `${count(n)} ${state}`)
    .join(', ');
  ctx.term.print(c.yellow(`Created ${count(summary.created)} (${count(summary.attention)} need attention: ${states}).`));
  for (const w of summary.warnings) {
    const unconfirmed = w.verified ? '' : ', not confirmed by ESR yet';
    ctx.term.print(
      `Line ${w.line}: ${w.portalUserId} -> VPD ${w.vpd} employee number ${w.employeeNumber} saved as ${w.state}${unconfirmed}: ${w.reason}`,
    );
  }
  const more = summary.attention - summary.warnings.length;
  ctx.term.print(
    `${more > 0 ? `And ${count(more)} more: see` : 'All of them are in'} ${summary.attentionFile} (line, state and reason per row).`,
  );
}
