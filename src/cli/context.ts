import { parseIsoDuration } from '../domain/duration';
import { VPD } from '../domain/identifiers';
import { CliError, EXIT } from './cli-error';
import { GatewayClient } from './gateway-client';
import { Terminal } from './terminal';

/** What every command gets: the gateway, the terminal and the clock. */
export interface CommandContext {
  client: GatewayClient;
  term: Terminal;
  now: () => number;
  /** Waits between polls (tests pass a shorter one). */
  sleep: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An ISO-8601 duration option in milliseconds, or a usage error naming the option. */
export function durationOption(value: string, name: string): number {
  const ms = parseIsoDuration(value);
  if (ms === null || ms <= 0) throw new CliError(`${name} must be an ISO-8601 duration such as PT26H (got "${value}").`, EXIT.USAGE);
  return ms;
}

/** A VPD argument, or a usage error. */
export function vpdArgument(value: string): string {
  if (!VPD.test(value)) throw new CliError(`The VPD must be 3 digits (got "${value}").`, EXIT.USAGE);
  return value;
}

/** ESR circuit breaker state from the gateway's /metrics (0 closed, 1 half-open, 2 open). */
export type BreakerState = 'closed' | 'half-open' | 'open' | 'unknown';

export async function breakerState(client: GatewayClient): Promise<BreakerState> {
  const text = await client.text('/metrics');
  const match = text && /^esr_gateway_esr_circuit_breaker_state(?:\{[^}]*\})?\s+(\d+(?:\.\d+)?)\s*$/m.exec(text);
  if (!match) return 'unknown';
  return (['closed', 'half-open', 'open'] as const)[Number(match[1])] ?? 'unknown';
}

/** The acting user (--acting-user or ESR_GATEWAY_ACTING_USER) a command needs, or a usage error saying why. */
export function requireActingUser(ctx: CommandContext, why: string): string {
  const actingUser = ctx.client.actingUser;
  if (!actingUser) throw new CliError(`${why} needs --acting-user (or ESR_GATEWAY_ACTING_USER): ${EXPLAIN_ACTING_USER}`, EXIT.USAGE);
  return actingUser;
}

const EXPLAIN_ACTING_USER = 'you, as a portal user id, recorded in the audit as the person who read or changed the data.';
