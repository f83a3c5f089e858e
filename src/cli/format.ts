import { formatUkDateTime } from '../domain/uk-time';

/** Small text formats shared by the commands. Pure. */

const NUMBER = new Intl.NumberFormat('en-GB');

/** 12,345 */
export function count(n: number): string {
  return NUMBER.format(n);
}

/** "1.8 s", "2 min 05 s", "1 h 02 min" */
export function elapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * Whether a time may lie ahead. `past`: it has happened by its nature (a sync, an "as of", a verdict
 * the gateway reached), so a value a little ahead of this machine's clock (clock skew, or `now` read
 * before the answer) is "just now", never "in under a minute". `any`: a start or end date that may lie
 * either side of now.
 */
export type Tense = 'past' | 'any';

/** "25 Nov 2026 at 10:12 (3 min ago)", UK time as NHS staff read it; "never" for null. */
export function when(iso: string | null | undefined, nowMs: number, tense: Tense = 'past'): string {
  if (!iso) return 'never';
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  return `${formatUkDateTime(at)} (${relative(nowMs - at, tense)})`;
}

/** "just now", "3 min ago", "5 h ago", "2 days ago"; "in under a minute", "in 4 h" for the future (tense `any` only). */
export function relative(agoMs: number, tense: Tense = 'past'): string {
  const future = agoMs < 0 && tense === 'any';
  const ms = future ? -agoMs : Math.max(0, agoMs);
  let text: string;
  if (ms < 60_000) return future ? 'in under a minute' : 'just now';
  else if (ms < 3_600_000) text = `${Math.floor(ms / 60_000)} min`;
  else if (ms < 172_800_000) text = `${Math.floor(ms / 3_600_000)} h`;
  else text = `${Math.floor(ms / 86_400_000)} days`;
  return future ? `in ${text}` : `${text} ago`;
}

export interface RunCounts {
  mode: string;
  added: number;
  updated: number;
  removed: number;
  held?: number;
  durationMs: number;
}

/** "full: +3 ~0 -1, 1.8 s" (held removals named when there are any). */
export function runSummary(run: RunCounts): string {
  const held = run.held ? `, ${count(run.held)} held` : '';
  return `${run.mode}: +${count(run.added)} ~${count(run.updated)} -${count(run.removed)}${held}, ${elapsed(run.durationMs)}`;
}
