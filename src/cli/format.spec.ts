import { relative, when } from './format';

describe(relative.name, () => {
  it('should say how long ago a past time was', () => {
    expect(relative(0)).toBe('just now');
    expect(relative(59_999)).toBe('just now');
    expect(relative(3 * 60_000)).toBe('3 min ago');
    expect(relative(5 * 3_600_000)).toBe('5 h ago');
    expect(relative(3 * 86_400_000)).toBe('3 days ago');
  });

  it('should never put a time that has happened in the future, even a little ahead of this clock', () => {
    for (const ahead of [1, 30_000, 59_999, 60_000, 3_600_000]) {
      expect(relative(-ahead)).toBe('just now');
      expect(relative(-ahead)).not.toMatch(/^in /);
    }
  });

  it('should say "in ..." for a time ahead only when the time may lie ahead', () => {
    expect(relative(-30_000, 'any')).toBe('in under a minute');
    expect(relative(-4 * 3_600_000, 'any')).toBe('in 4 h');
    expect(relative(30_000, 'any')).toBe('just now');
    expect(relative(10 * 60_000, 'any')).toBe('10 min ago');
  });
});

describe(when.name, () => {
  const now = Date.parse('2026-11-25T10:12:00Z');

  it('should write the UK time with the relative time', () => {
    expect(when('2026-11-25T10:09:00Z', now)).toBe('25 Nov 2026 at 10:09 (3 min ago)');
    expect(when(null, now)).toBe('never');
  });

  it('should write an as-of time a few seconds ahead of this clock as just now, not in under a minute', () => {
    expect(when('2026-11-25T10:12:05Z', now)).toBe('25 Nov 2026 at 10:12 (just now)');
    expect(when('2026-11-25T10:12:05Z', now, 'any')).toBe('25 Nov 2026 at 10:12 (in under a minute)');
  });
});
