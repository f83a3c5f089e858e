/**
 * Exit codes of the CLI (README "Command line"):
 * 0 done and all is well; 1 done, but something needs attention (a VPD FAILED/HELD/STALE, a sync
 * that failed or held removals, rows rejected by an import, access not enabled); 2 the command line
 * or configuration is wrong; 3 the gateway refused the request or could not be reached.
 */
export const EXIT = { OK: 0, ATTENTION: 1, USAGE: 2, GATEWAY: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one sentence (never a stack trace) and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.USAGE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
