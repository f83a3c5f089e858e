import Table from 'cli-table3';
import { createColors } from 'picocolors';
import { createInterface } from 'node:readline/promises';
import { CliError, EXIT } from './cli-error';

export type Colors = ReturnType<typeof createColors>;

/**
 * Where the CLI writes, and what the terminal can show. Results go to stdout; progress and notes to
 * stderr. Colours only when stdout is a terminal (and NO_COLOR is unset); live progress bars only
 * when stderr is a terminal; otherwise plain lines without escape codes.
 */
export class Terminal {
  readonly color: Colors;
  /** stderr is a terminal: live progress bars may redraw there. */
  readonly live: boolean;

  constructor(
    readonly stdout: NodeJS.WriteStream,
    readonly stderr: NodeJS.WriteStream,
    private readonly stdin: NodeJS.ReadStream,
    options: { color?: boolean; env?: NodeJS.ProcessEnv } = {},
  ) {
    const env = options.env ?? process.env;
    const wanted = options.color ?? (env.FORCE_COLOR ? env.FORCE_COLOR !== '0' : !env.NO_COLOR && Boolean(stdout.isTTY));
    this.color = createColors(wanted);
    this.live = Boolean(stderr.isTTY) && env.TERM !== 'dumb';
  }

  static fromProcess(options: { color?: boolean } = {}): Terminal {
    return new Terminal(process.stdout, process.stderr, process.stdin, options);
  }

  /** A line of the result (stdout). */
  print(line = ''): void {
    this.stdout.write(`${line}\n`);
  }

  /** A line about the work (stderr): progress when not live, confirmations, hints. */
  note(line: string): void {
    this.stderr.write(`${line}\n`);
  }

  /** A table; coloured headings only when colours are on. */
  table(head: string[], align?: Array<'left' | 'right' | 'center'>): Table.Table {
    const wantColor = this.color.isColorSupported;
    return new Table({
      head: head.map((h) => (wantColor ? this.color.bold(h) : h)),
      ...(align ? { colAligns: align } : {}),
      style: { head: [], border: [], compact: true },
      wordWrap: true,
    });
  }

  /** Asks a yes/no question on the terminal; refuses when there is no terminal to ask on. */
  async confirm(question: string): Promise<boolean> {
    if (!this.stdin.isTTY)
      throw new CliError('Not asking for confirmation without a terminal: run again with --yes to confirm.', EXIT.USAGE);
    const rl = createInterface({ input: this.stdin, output: this.stderr });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  }
}
