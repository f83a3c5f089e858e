import type { UserAccess } from '../api.types';
import { EXIT, ExitCode } from '../cli-error';
import { CommandContext } from '../context';
import { when } from '../format';

export interface AccessOptions {
  portalUserId: string;
  refresh: boolean;
  json: boolean;
}

/**
 * `esr-gateway access USER`: whether Search ESR is on for a portal user, the state of each mapping and
 * the reason sentence (GET /v1/users/{id}/esr-access; --refresh: POST .../refresh, which asks ESR now).
 * Exit 0 when search is enabled, 1 when it is not.
 */
export async function accessCommand(ctx: CommandContext, options: AccessOptions): Promise<ExitCode> {
  const path = `/v1/users/${encodeURIComponent(options.portalUserId)}/esr-access${options.refresh ? '/refresh' : ''}`;
  const access = await ctx.client.json<UserAccess & { reason?: string }>(options.refresh ? 'POST' : 'GET', path);
  const code = access.searchEnabled ? EXIT.OK : EXIT.ATTENTION;
  if (options.json) {
    ctx.term.print(JSON.stringify(access, null, 2));
    return code;
  }
  const c = ctx.term.color;
  // The gateway judged the states at asOf: never earlier than that, whatever this machine's clock says.
  const now = Math.max(ctx.now(), Date.parse(access.asOf) || 0);
  ctx.term.print(
    access.searchEnabled
      ? c.green(`Search ESR is ON for ${access.portalUserId} (VPD ${access.enabledVpds.join(', ')}).`)
      : c.yellow(`Search ESR is OFF for ${access.portalUserId}.`),
  );
  if (access.mappings.length === 0) {
    ctx.term.print(access.reason ?? 'No ESR employee number and VPD are mapped to this user.');
    return code;
  }
  const table = ctx.term.table(['VPD', 'Employee number', 'State', 'Effective from', 'Until', 'Last synced']);
  for (const m of access.mappings) {
    const paint = m.state === 'ACTIVE' ? c.green : m.state === 'PENDING_ACTIVATION' ? c.cyan : c.yellow;
    table.push([
      m.vpd,
      m.employeeNumber,
      paint(m.state),
      when(m.effectiveFrom, now, m.state === 'PENDING_ACTIVATION' ? 'any' : 'past'),
      m.effectiveUntil ? when(m.effectiveUntil, now, 'any') : '-',
      when(m.lastSyncedAt, now),
    ]);
  }
  ctx.term.print(table.toString());
  for (const m of access.mappings) ctx.term.print(`${m.vpd} / ${m.employeeNumber}: ${m.reason}`);
  if (access.nextChangeAt) ctx.term.print(`Next change: ${when(access.nextChangeAt, now, 'any')}.`);
  return code;
}
