import { wireAssignment } from '../../test/esr/esr.fixtures';
import { ContractViolation, isIsoDate, isIsoDateTime } from './esr.json-fields';
import { parsePerson } from './esr.person-parsing';
import { errorCodeOf, pagedEnvelope, parseJson, parseRoleAssignment, parseRoleChange, tokenResponse } from './esr.validation';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ContractViolation) return e.reason;
    throw e;
  }
  throw new Error('no contract violation');
}

describe('esr.validation', () => {
  describe(isIsoDate.name, () => {
    it.each(['2026-11-25', '2024-02-29', '2026-03-29'])('should accept %s', (value) => {
      expect(isIsoDate(value)).toBe(true);
    });

    it.each(['2026-02-29', '2026-13-01', '2026-1-01', '25/11/2026', '2026-11-25T00:00:00Z', '', null, 20261125])(
      'should refuse %p',
      (value) => {
        expect(isIsoDate(value)).toBe(false);
      },
    );
  });

  describe(isIsoDateTime.name, () => {
    it.each(['2026-11-25T10:12:00Z', '2026-11-25T10:12:00.123+00:00', '2026-03-29T01:30:00+01:00', '2026-11-25T10:12Z'])(
      'should accept %s',
      (value) => {
        expect(isIsoDateTime(value)).toBe(true);
      },
    );

    it.each(['2026-11-25T10:12:00', '2026-11-25 10:12:00Z', '2026-02-30T10:00:00Z', '2026-11-25T24:00:00Z', 'yesterday', 1764065520000])(
      'should refuse %p',
      (value) => {
        expect(isIsoDateTime(value)).toBe(false);
      },
    );
  });

  describe(parseRoleAssignment.name, () => {
    it('should flatten the person fields', () => {
      expect(parseRoleAssignment(wireAssignment('a1', { person: { active: false, systemPersonType: 'EX_EMP' } }))).toMatchObject({
        personActive: false,
        systemPersonType: 'EX_EMP',
      });
    });

    it("should keep the holder's display name when ESR sends one (1.1.0), else null", () => {
      const named = { active: true, systemPersonType: 'EMP', title: 'Mr', firstName: 'Jordan', lastName: 'Ashworth' };
      expect(parseRoleAssignment(wireAssignment('a1', { person: named })).displayName).toBe('Mr Jordan Ashworth');
      expect(parseRoleAssignment(wireAssignment('a1', { person: { ...named, title: null } })).displayName).toBe('Jordan Ashworth');
      expect(parseRoleAssignment(wireAssignment('a1')).displayName).toBeNull();
      expect(parseRoleAssignment(wireAssignment('a1', { person: { ...named, firstName: null, lastName: null } })).displayName).toBeNull();
    });

    it('should keep a row whose name parts break the contract, without the name (names are for display only)', () => {
      const person = { active: true, systemPersonType: 'EMP', title: 7, firstName: ['x'], lastName: { a: 1 } };
      expect(parseRoleAssignment(wireAssignment('a1', { person }))).toMatchObject({ personActive: true, displayName: null });
    });

    it('should require effectiveEndDate to be present, even if null', () => {
      const { effectiveEndDate: _omitted, ...rest } = wireAssignment('a1');

      expect(reasonOf(() => parseRoleAssignment(rest))).toBe('effectiveEndDate: expected a date (YYYY-MM-DD) or null');
    });

    it('should name the field but never the value in its reason', () => {
      const reason = reasonOf(() => parseRoleAssignment(wireAssignment('a1', { employeeNumber: 'Jane Smith' })));

      expect(reason).toBe('employeeNumber: expected a string matching ^\\d{8}$');
      expect(reason).not.toContain('Jane');
    });

    it('should refuse a row of another VPD than the one asked for', () => {
      expect(reasonOf(() => parseRoleAssignment(wireAssignment('a1', { vpd: '123' }), '979'))).toBe(
        'vpd: expected the VPD that was asked for',
      );
    });
  });

  describe(parseRoleChange.name, () => {
    it('should ignore an assignment on a delete', () => {
      expect(parseRoleChange({ op: 'delete', assignmentId: 'a1', changedAt: '2026-11-25T10:00:00Z', assignment: { junk: true } })).toEqual({
        op: 'delete',
        assignmentId: 'a1',
        changedAt: '2026-11-25T10:00:00Z',
      });
    });

    it('should report the nested path of a broken upsert', () => {
      const change = {
        op: 'upsert',
        assignmentId: 'a1',
        changedAt: '2026-11-25T10:00:00Z',
        assignment: wireAssignment('a1', { createdAt: 'x' }),
      };

      expect(reasonOf(() => parseRoleChange(change))).toBe('assignment.createdAt: expected an ISO-8601 timestamp with offset');
    });
  });

  describe(parsePerson.name, () => {
    it('should refuse a person whose own fields break the contract', () => {
      expect(reasonOf(() => parsePerson({ employeeNumber: '30581377' }))).toBe('vpd: expected a string');
    });
  });

  describe('envelopes', () => {
    it('should refuse a body that is not JSON', () => {
      expect(reasonOf(() => parseJson('<html>'))).toBe('body: expected JSON');
    });

    it('should require nextCursor to be present and not empty', () => {
      expect(reasonOf(() => pagedEnvelope({ items: [], watermark: 'w' }))).toBe('body.nextCursor: expected a string or null');
      expect(reasonOf(() => pagedEnvelope({ items: [], watermark: 'w', nextCursor: '' }))).toBe(
        'body.nextCursor: expected a non-empty string or null',
      );
      expect(pagedEnvelope({ items: [], watermark: 'w', nextCursor: null })).toEqual({ items: [], watermark: 'w', nextCursor: null });
    });

    it('should read a token answer', () => {
      expect(tokenResponse({ access_token: 'x', token_type: 'bearer', expires_in: 300 })).toEqual({
        accessToken: 'x',
        expiresInSeconds: 300,
      });
      expect(reasonOf(() => tokenResponse({ access_token: 'x', token_type: 'Bearer', expires_in: 0 }))).toBe(
        'body.expires_in: expected a positive integer',
      );
    });

    it("should keep ESR's error code only when it is a plain machine code", () => {
      expect(errorCodeOf('{"error":"watermark_expired","message":"x"}')).toBe('watermark_expired');
      expect(errorCodeOf('{"error":"Jane Smith not found","message":"x"}')).toBeUndefined();
      expect(errorCodeOf('not json')).toBeUndefined();
    });
  });
});
