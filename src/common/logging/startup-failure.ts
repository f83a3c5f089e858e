import pino, { DestinationStream } from 'pino';

/**
 * A start-up failure that names the environment variables to look at (a database that cannot be
 * reached names DATABASE_URL, a CA file TLS refuses names its variable). Thrown by whatever builds the
 * app; reportStartupFailure turns it into the one fatal log line.
 */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly variables: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** What the fatal line says: the sentence and the variables it names. */
export interface StartupFailure {
  msg: string;
  variables: string[];
}

/** A variable name at the start of a configuration problem ("API_KEYS: must be set", "DATABASE_URL must be ..."). */
const LEADING_VARIABLE = /^([A-Z][A-Z0-9_]*[A-Z0-9])(?=[:\s]|$)/;

/** Any error that names its variables (StartupError, or a start-up check's error from src/config). */
function namesVariables(error: unknown): error is Error & { variables: readonly string[] } {
  return error instanceof Error && Array.isArray((error as { variables?: unknown }).variables);
}

function hasProblems(error: unknown): error is Error & { problems: readonly string[] } {
  return error instanceof Error && Array.isArray((error as { problems?: unknown }).problems);
}

/** Pure: the sentence and the variables of any start-up error (configuration problems, StartupError, anything else). */
export function describeStartupFailure(error: unknown): StartupFailure {
  if (hasProblems(error)) {
    const variables = error.problems.map((p) => LEADING_VARIABLE.exec(p)?.[1]).filter((v): v is string => v !== undefined);
    return { msg: `esr-gateway cannot start: invalid configuration: ${error.problems.join('; ')}`, variables: [...new Set(variables)] };
  }
  if (namesVariables(error)) return { msg: `esr-gateway cannot start: ${error.message}`, variables: [...error.variables] };
  const message = error instanceof Error ? error.message : String(error);
  return { msg: `esr-gateway cannot start: ${message}`, variables: [] };
}

/** The stack (and its causes) only at LOG_LEVEL debug or trace: read raw, as the configuration may be the failure. */
export function wantsStack(env: Record<string, string | undefined>): boolean {
  return ['debug', 'trace'].includes((env.LOG_LEVEL ?? '').trim().toLowerCase());
}

/**
 * Writes the one JSON line of a failed start (pino, level fatal = 60) to stdout, synchronously so it
 * is out before the process exits. The error itself (with its stack) is added only when wantsStack.
 */
export function reportStartupFailure(
  error: unknown,
  env: Record<string, string | undefined>,
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): void {
  const logger = pino({ level: 'fatal', base: { pid: process.pid } }, destination);
  const failure = describeStartupFailure(error);
  const fields = wantsStack(env) ? { variables: failure.variables, err: error } : { variables: failure.variables };
  logger.fatal(fields, failure.msg);
}
