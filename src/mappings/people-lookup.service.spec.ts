import { roleOf } from './people-lookup.service';

describe(roleOf.name, () => {
  const at = (state: string, effectiveFrom: string | null = null, effectiveUntil: string | null = null) =>
    roleOf({ state: state as never, effectiveFrom, effectiveUntil });

  it('should say the role is held, and from when, for a record that gives or will give access', () => {
    expect(at('PENDING_ACTIVATION', '2026-11-26T10:12:00.000Z')).toEqual({
      held: true,
      effectiveFrom: '2026-11-26T10:12:00.000Z',
      effectiveUntil: null,
    });
    expect(at('ACTIVE', '2026-11-20T00:00:00.000Z', '2026-12-31T00:00:00.000Z')).toMatchObject({ held: true });
    expect(at('RECORD_INACTIVE', '2026-11-20T00:00:00.000Z')).toMatchObject({ held: true });
  });

  it('should say not held for no role, and null when the role data cannot say', () => {
    expect(at('NO_ROLE')).toEqual({ held: false, effectiveFrom: null, effectiveUntil: null });
    expect(at('RECORD_INACTIVE')).toEqual({ held: false, effectiveFrom: null, effectiveUntil: null });
    expect(at('NOT_SYNCED')).toBeNull();
    expect(at('STALE')).toBeNull();
  });
});
