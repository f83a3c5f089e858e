import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalPortalUserId } from '../domain/identifiers';
import { RECONCILIATION_KINDS, ReconciliationKind } from './api.types';
import { CliError, EXIT, ExitCode } from './cli-error';
import { accessCommand } from './commands/access.command';
import { heldCommand } from './commands/held.command';
import { mappingsImportCommand } from './commands/mappings.command';
import { reconcileCommand } from './commands/reconcile.command';
import { reviewCommand } from './commands/review.command';
import { statusCommand } from './commands/status.command';
import { syncCommand } from './commands/sync.command';
import { CommandContext, durationOption, sleep, vpdArgument } from './context';
import { GatewayClient } from './gateway-client';
import { Terminal } from './terminal';

interface GlobalOptions {
  url: string;
  key?: string;
  actingUser?: string;
  timeout: number;
  color?: boolean;
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  terminal?: (options: { color?: boolean }) => Terminal;
}

const EXIT_HELP = `
Environment:
  ESR_GATEWAY_URL           the gateway (default http://127.0.0.1:3000)
  ESR_GATEWAY_KEY           API key: ops scope for status/sync/held/review, portal scope for mappings/reconcile/access
  ESR_GATEWAY_ACTING_USER   you, as a portal user id (recorded in the audit)
  NO_COLOR                  no colours even on a terminal

Exit codes: 0 done and all is well; 1 done, needs attention (a VPD FAILED/HELD/STALE, a failed or held
sync, rejected rows, access off); 2 wrong command line or configuration; 3 the gateway refused or
could not be reached.`;

const version = (): string => {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
};

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number above 0.`);
  return n;
};
const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new InvalidArgumentError('must be a number of seconds above 0.');
  return n;
};
const vpd = (value: string) => {
  try {
    return vpdArgument(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

/** Builds the command line; `run` receives each command's exit code. */
export function buildProgram(run: (action: (ctx: CommandContext) => Promise<ExitCode>) => Promise<void>): Command {
  const program = new Command('esr-gateway')
    .description(
      "Operate an esr-gateway through its HTTP API: sync status and runs, held removals, bulk mappings, reconciliation, access reviews, a user's access.",
    )
    .version(version(), '-V, --version')
    .addOption(new Option('--url <url>', 'gateway base URL').env('ESR_GATEWAY_URL').default('http://127.0.0.1:3000'))
    .addOption(new Option('--key <key>', 'API key (prefer ESR_GATEWAY_KEY: a flag shows in the process list)').env('ESR_GATEWAY_KEY'))
    .addOption(
      new Option('--acting-user <portalUserId>', 'you, as a portal user id (X-Acting-User, audited; case-insensitive)')
        .env('ESR_GATEWAY_ACTING_USER')
        .argParser(canonicalPortalUserId),
    )
    .addOption(new Option('--timeout <seconds>', 'per-request timeout').argParser(seconds).default(30))
    .option('--no-color', 'no colours')
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  const ctxAction = (action: (ctx: CommandContext) => Promise<ExitCode>) => run(action);

  program
    .command('status')
    .description(
      'Table of the served VPDs (state, holders, active, pending, last success, last run, held removals) and the ESR circuit breaker',
    )
    .option('--json', 'print JSON for scripts')
    .addOption(
      new Option('--max-staleness <iso-duration>', 'a last success older than this is STALE (match ACCESS_MAX_STALENESS)')
        .env('ACCESS_MAX_STALENESS')
        .default('PT26H'),
    )
    .addHelpText('after', '\nExit code 0 when every served VPD is synced and fresh, 1 when any is FAILED, HELD or STALE.')
    .action((o: { json?: boolean; maxStaleness: string }) =>
      ctxAction((ctx) => statusCommand(ctx, { json: Boolean(o.json), maxStalenessMs: durationOption(o.maxStaleness, '--max-staleness') })),
    );

  program
    .command('sync')
    .description('Start a sync run and follow it with a progress bar per VPD until it ends; or a dry run')
    .addOption(new Option('--vpd <vpd>', 'one VPD (default: every served VPD)').argParser(vpd))
    .option('--full', 'a full listing instead of the changes since the last run')
    .option('--dry-run', 'list what the run would change (employee numbers only), writing nothing')
    .option('--run <runId>', 'follow a run that was already started instead of starting one')
    .addOption(new Option('--interval <seconds>', 'how often to ask for progress').argParser(seconds).default(0.5))
    .addHelpText(
      'after',
      '\nThe ETA of a full listing assumes about as many items as the VPD had role holders before the run; an\n' +
        'incremental run reads a change feed of unknown length, so it shows items read and the rate only.\n' +
        'Exit code 0 when every VPD succeeded; 1 when the run was skipped or failed, or a VPD failed or held removals.',
    )
    .action((o: { vpd?: string; full?: boolean; dryRun?: boolean; run?: string; interval: number }) =>
      ctxAction((ctx) =>
        syncCommand(ctx, { vpd: o.vpd, full: Boolean(o.full), dryRun: Boolean(o.dryRun), runId: o.run, pollMs: o.interval * 1000 }),
      ),
    );

  const held = program.command('held').description('Removals held back by the removal guard: look at them, then approve or reject');
  for (const decision of ['approve', 'reject'] as const) {
    held
      .command(`${decision} <vpd>`)
      .description(
        decision === 'approve'
          ? 'Apply the held removals of a VPD (those people lose Search ESR there); audited'
          : 'Discard the held removals of a VPD; the role assignments stay; audited',
      )
      .option('-y, --yes', 'do not ask for confirmation')
      .option('--list', 'also list the employee numbers a full run would remove now (one ESR listing, a dry run)')
      .addHelpText('after', '\nNeeds an ops-scope key and --acting-user (or ESR_GATEWAY_ACTING_USER): the decision is audited with it.')
      .action((vpdArg: string, o: { yes?: boolean; list?: boolean }) =>
        ctxAction((ctx) => heldCommand(ctx, { decision, vpd: vpdArgument(vpdArg), yes: Boolean(o.yes), list: Boolean(o.list) })),
      );
  }

  const mappings = program.command('mappings').description('ESR mappings ("Manage User") in bulk');
  mappings
    .command('import <file>')
    .description(
      'Import an LSA spreadsheet (CSV with header portalUserId,vpd,employeeNumber); rejected rows go to FILE.rejected.csv, ' +
        'rows saved without Search ESR (leavers, no role, unconfirmed) to FILE.attention.csv',
    )
    .addOption(new Option('--chunk-size <rows>', 'rows per request (at most 1000)').argParser(positiveInt('--chunk-size')).default(500))
    .addHelpText(
      'after',
      '\nNeeds a portal-scope key and --acting-user. Exit code 0 when every row is in, 1 when rows were rejected or need attention.',
    )
    .action((file: string, o: { chunkSize: number }) => ctxAction((ctx) => mappingsImportCommand(ctx, { file, chunkSize: o.chunkSize })));

  program
    .command('reconcile <vpd>')
    .description('The reconciliation lists of a VPD: role holders without a portal account, mapped users without the role, ...')
    .option('--csv', 'print the CSV of every row instead of a table')
    .addOption(new Option('--kind <kind>', 'only this list').choices([...RECONCILIATION_KINDS]))
    .addOption(new Option('--limit <rows>', 'table: stop after this many rows').argParser(positiveInt('--limit')).default(500))
    .addHelpText('after', '\nNeeds --acting-user: the lists hold names and portal ids, and the gateway audits who read them.')
    .action((vpdArg: string, o: { csv?: boolean; kind?: ReconciliationKind; limit: number }) =>
      ctxAction((ctx) => reconcileCommand(ctx, { vpd: vpdArgument(vpdArg), csv: Boolean(o.csv), kind: o.kind, limit: o.limit })),
    );

  program
    .command('review <vpd>')
    .description('The access review of a VPD: every mapping, its state and since when, who created it, when ESR last confirmed it')
    .option('--csv <file>', 'write every row as CSV to this file instead of printing a table')
    .addOption(new Option('--limit <rows>', 'table: stop after this many rows').argParser(positiveInt('--limit')).default(500))
    .addHelpText('after', '\nNeeds an ops-scope key and --acting-user: every export is audited (ACCESS_REVIEW_EXPORTED).')
    .action((vpdArg: string, o: { csv?: string; limit: number }) =>
      ctxAction((ctx) => reviewCommand(ctx, { vpd: vpdArgument(vpdArg), csv: o.csv, limit: o.limit })),
    );

  program
    .command('access <portalUserId>')
    .description("Whether Search ESR is on for a portal user: each mapping's state and the reason")
    .option('--refresh', "ask ESR now for the user's records first")
    .option('--json', 'print JSON for scripts')
    .addHelpText('after', '\nExit code 0 when search is enabled, 1 when it is not.')
    .action((user: string, o: { refresh?: boolean; json?: boolean }) =>
      ctxAction((ctx) =>
        accessCommand(ctx, { portalUserId: canonicalPortalUserId(user), refresh: Boolean(o.refresh), json: Boolean(o.json) }),
      ),
    );

  for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) command.exitOverride();
  return program;
}

/** Runs the CLI on `argv` (process.argv form) and resolves with the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo = { env: process.env }): Promise<ExitCode> {
  let code: ExitCode = EXIT.OK;
  let term: Terminal | undefined;
  const program = buildProgram(async (action) => {
    const g = program.opts<GlobalOptions>();
    term = (io.terminal ?? Terminal.fromProcess)({ color: g.color === false ? false : undefined });
    if (!g.key) throw new CliError('No API key: set ESR_GATEWAY_KEY (or pass --key).', EXIT.USAGE);
    const client = new GatewayClient({ url: g.url, key: g.key, actingUser: g.actingUser, timeoutMs: g.timeout * 1000 });
    code = await action({ client, term, now: () => Date.now(), sleep });
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? EXIT.OK : EXIT.USAGE;
    }
    const message = error instanceof CliError ? error.message : `Unexpected error: ${(error as Error)?.message ?? String(error)}`;
    (term ?? Terminal.fromProcess()).note(`esr-gateway: ${message}`);
    if (io.env.ESR_GATEWAY_DEBUG && error instanceof Error && !(error instanceof CliError)) process.stderr.write(`${error.stack}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.GATEWAY;
  }
}
