import { AffinePermutation, hashKey, modInverse, Rng } from './sandbox.random';

describe(Rng.name, () => {
  it('should draw the same sequence from the same seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    expect(Array.from({ length: 20 }, () => a.next())).toEqual(Array.from({ length: 20 }, () => b.next()));
  });

  it('should stay within the asked ranges', () => {
    const rng = new Rng(7);
    for (let n = 0; n < 10_000; n++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      const i = rng.int(-3, 3);
      expect(Number.isInteger(i) && i >= -3 && i <= 3).toBe(true);
    }
  });

  it('should pick by weight', () => {
    const rng = new Rng(3);
    const counts = { a: 0, b: 0 };
    for (let n = 0; n < 10_000; n++)
      counts[
        rng.weighted([
          ['a', 3],
          ['b', 1],
        ] as const)
      ]++;
    expect(counts.a / counts.b).toBeGreaterThan(2.5);
    expect(counts.a / counts.b).toBeLessThan(3.5);
  });
});

describe(hashKey.name, () => {
  it('should separate neighbouring keys and keep equal keys equal', () => {
    expect(hashKey(1, 2, 3)).toBe(hashKey(1, 2, 3));
    const values = new Set<number>();
    for (let i = 0; i < 1000; i++) values.add(hashKey(1, 5, i));
    expect(values.size).toBe(1000);
    expect(hashKey(1, 2 ** 40)).not.toBe(hashKey(1, 2 ** 40 + 2 ** 32));
  });
});

describe(AffinePermutation.name, () => {
  it('should be a bijection on a small modulus', () => {
    const permutation = new AffinePermutation(1000, 7, 3);
    const images = new Set<number>();
    for (let x = 0; x < 1000; x++) {
      const y = permutation.apply(x);
      images.add(y);
      expect(permutation.invert(y)).toBe(x);
    }
    expect(images.size).toBe(1000);
  });

  it('should invert exactly where products exceed 2^53', () => {
    const permutation = new AffinePermutation(1_492_000_000, 982_451_653, 123_456_789);
    for (const x of [0, 1, 2 ** 30, 1_491_999_999, 987_654_321]) expect(permutation.invert(permutation.apply(x))).toBe(x);
  });

  it('should refuse a multiplier that shares a factor with the modulus', () => {
    expect(() => new AffinePermutation(100, 10, 0)).toThrow(RangeError);
  });
});

describe(modInverse.name, () => {
  it('should find the inverse', () => {
    expect((modInverse(3n, 11n) * 3n) % 11n).toBe(1n);
    expect(() => modInverse(4n, 8n)).toThrow(RangeError);
  });
});
