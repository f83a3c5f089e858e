/**
 * Small, fast, deterministic randomness for the ESR sandbox. Every generated record is a pure
 * function of (seed, position), so nothing needs to be stored: `hashKey` turns a position into a
 * 32-bit state and `Rng` (mulberry32) draws the record's fields from it.
 */

/** murmur3's 32-bit finaliser: a good avalanche of one 32-bit word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a list of non-negative integers (each below 2^53) into one 32-bit value. */
export function hashKey(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const low = part >>> 0;
    const high = Math.floor(part / 0x1_0000_0000) >>> 0;
    h = fmix32(h ^ low);
    h = fmix32((h + Math.imul(high, 0x27d4eb2d) + 0x165667b1) >>> 0);
  }
  return h;
}

/** mulberry32: a tiny 32-bit PRNG with a full 2^32 period, good enough for test data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: `weighted([['a', 3], ['b', 1]])` returns 'a' three times as often as 'b'. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return items[items.length - 1][0];
  }
}

/** Greatest common divisor of two non-negative integers. */
export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modular inverse of a mod m (a and m coprime), via the extended Euclidean algorithm. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError(`${a} has no inverse modulo ${m}`);
  return ((oldS % m) + m) % m;
}

/**
 * A bijection of [0, modulus) onto itself, x -> (multiplier * x + offset) mod modulus. Used to turn
 * record positions into identifiers that look random (employee and NI numbers) and back again.
 */
export class AffinePermutation {
  private readonly m: bigint;
  private readonly a: bigint;
  private readonly b: bigint;
  private readonly aInverse: bigint;
  private readonly numbers: { a: number; b: number; aInverse: number };

  constructor(
    readonly modulus: number,
    multiplier: number,
    offset: number,
  ) {
    if (gcd(multiplier % modulus, modulus) !== 1) throw new RangeError('multiplier must be coprime with the modulus');
    this.m = BigInt(modulus);
    this.a = BigInt(multiplier);
    this.b = BigInt(((offset % modulus) + modulus) % modulus);
    this.aInverse = modInverse(this.a, this.m);
    this.numbers = { a: multiplier % modulus, b: Number(this.b), aInverse: Number(this.aInverse) };
  }

  /** Maps x (an integer in [0, modulus)). Uses plain numbers whenever the product is exact. */
  apply(x: number): number {
    const { a, b } = this.numbers;
    const product = a * x;
    if (product <= Number.MAX_SAFE_INTEGER - this.modulus) return (product + b) % this.modulus;
    return Number((this.a * BigInt(x) + this.b) % this.m);
  }

  invert(y: number): number {
    const { b, aInverse } = this.numbers;
    const shifted = (((y - b) % this.modulus) + this.modulus) % this.modulus;
    const product = shifted * aInverse;
    if (product <= Number.MAX_SAFE_INTEGER) return product % this.modulus;
    return Number((BigInt(shifted) * this.aInverse) % this.m);
  }
}
