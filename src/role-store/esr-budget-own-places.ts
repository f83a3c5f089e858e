import type { EsrBudgetRule } from './esr-budget';

interface OwnPlace {
  startedAt: number;
  finishedAt?: number;
  /** In the shared window (taken there, or reported since). */
  recorded: boolean;
  /** Its answer time has reached the shared window. */
  reported: boolean;
}

/** Places kept for a while after they free, so their removal can still reach the shared window. */
const KEEP_AT_MOST = 2000;

/**
 * One pod's own places (monotonic ms, this process's clock): what it holds now (the per-pod share
 * while Redis is away counts these), and what the shared window has yet to learn: answers since the
 * last take, and places taken while Redis was away. Sent with the next take as (member, ms left).
 */
export class OwnPlaces {
  private readonly places = new Map<string, OwnPlace>();

  add(member: string, now: number, recorded: boolean): void {
    this.places.set(member, { startedAt: now, recorded, reported: false });
  }

  finish(member: string, now: number): void {
    const place = this.places.get(member);
    if (place && place.finishedAt === undefined) place.finishedAt = now;
  }

  /** When each place held now frees (ascending); one still in flight frees a window after now at the soonest. */
  freesAt(now: number, rule: EsrBudgetRule): number[] {
    const times: number[] = [];
    for (const place of this.places.values()) {
      const frees = place.finishedAt === undefined ? now + rule.windowMs : place.finishedAt + rule.windowMs;
      if (frees > now) times.push(frees);
    }
    return times.sort((a, b) => a - b);
  }

  /** What the shared window should learn: (member, ms from now until it frees) pairs. */
  corrections(now: number, rule: EsrBudgetRule): Array<[string, number]> {
    const pairs: Array<[string, number]> = [];
    for (const [member, place] of this.places) {
      if (place.finishedAt !== undefined && !place.reported) {
        const left = place.finishedAt + rule.windowMs - now;
        if (place.recorded || left > 0) pairs.push([member, Math.ceil(left)]);
      } else if (!place.recorded) {
        pairs.push([member, Math.ceil(place.startedAt + rule.windowMs + rule.holdMs - now)]);
      }
    }
    return pairs;
  }

  /** The shared window applied these pairs. */
  sent(pairs: Array<[string, number]>): void {
    for (const [member] of pairs) {
      const place = this.places.get(member);
      if (!place) continue;
      place.recorded = true;
      if (place.finishedAt !== undefined) place.reported = true;
    }
  }

  /** Forgets places that have freed and that the shared window knows about (or that it never held). */
  prune(now: number, rule: EsrBudgetRule): void {
    for (const [member, place] of this.places) {
      const freed = place.finishedAt !== undefined && place.finishedAt + rule.windowMs <= now;
      if (freed && (place.reported || !place.recorded)) this.places.delete(member);
    }
    // Unreported removals of places long gone only free the shared window early: drop the oldest.
    for (const member of this.places.keys()) {
      if (this.places.size <= KEEP_AT_MOST) break;
      this.places.delete(member);
    }
  }
}
