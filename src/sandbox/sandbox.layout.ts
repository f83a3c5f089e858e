/**
 * How the data set is laid out over VPDs: the VPD codes and organisation names the seed picks, how
 * the generated role holders are shared out between VPDs (by seeded weights), and how many people
 * each VPD has, which fixes the global position of its first person (identifiers derive from it).
 */
import { ORGANISATION_NAME_CAPACITY, organisationName } from './sandbox.catalogue';
import { FIXTURE_PEOPLE, HOME_VPD } from './sandbox.fixtures';
import { Rng } from './sandbox.random';

/** People per generated role holder (one person in four holds the role) and per-VPD minimum. */
export const PEOPLE_PER_HOLDER = 4;
const MIN_PEOPLE_PER_VPD = 20;

export interface VpdLayout {
  index: number;
  code: string;
  organisationName: string;
  /** Fixture people at positions 0..reserved-1 (VPD 979 only). */
  reserved: number;
  /** Generated role-assignment slots. */
  holders: number;
  people: number;
  /** Global position of this VPD's person 0. */
  offset: number;
}

/**
 * The layout of vpdCount VPDs (VPD 979 first) sharing generatedHolders role holders, drawn from the
 * data set's layout stream; a RangeError if they need more than peopleCapacity people.
 */
export function layOutVpds(rng: Rng, vpdCount: number, generatedHolders: number, peopleCapacity: number): VpdLayout[] {
  const codes = Array.from({ length: 1000 }, (_, n) => n.toString().padStart(3, '0')).filter((c) => c !== HOME_VPD);
  const names = Array.from({ length: ORGANISATION_NAME_CAPACITY - 1 }, (_, n) => n + 1);
  shuffle(codes, rng);
  shuffle(names, rng);
  const weights = Array.from({ length: vpdCount }, () => 0.25 + rng.next() * 1.75);
  const holders = allocate(generatedHolders, weights);
  const layouts: VpdLayout[] = [];
  let offset = 0;
  for (let index = 0; index < vpdCount; index++) {
    const reserved = index === 0 ? FIXTURE_PEOPLE.length : 0;
    const count = holders[index];
    const people = reserved + Math.max(MIN_PEOPLE_PER_VPD, count * PEOPLE_PER_HOLDER);
    layouts.push({
      index,
      code: index === 0 ? HOME_VPD : codes[index - 1],
      organisationName: organisationName(index === 0 ? 0 : names[index - 1]),
      reserved,
      holders: count,
      people,
      offset,
    });
    offset += people;
  }
  if (offset > peopleCapacity) throw new RangeError('too many people for 8-digit employee numbers');
  return layouts;
}

function shuffle<T>(items: T[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** Splits total into integer shares proportional to weights (largest remainder method). */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let remaining = total - shares.reduce((a, b) => a + b, 0);
  const order = exact
    .map((value, index) => ({ index, fraction: value - Math.floor(value) }))
    .sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (const { index } of order) {
    if (remaining <= 0) break;
    shares[index] = shares[index] + 1;
    remaining--;
  }
  return shares;
}
