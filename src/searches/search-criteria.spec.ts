import { createHmac } from 'node:crypto';
import { ValidationFailedError } from '../common/errors/domain-error';
import { SearchCriteria, canonicalCriteria, criteriaHash, isIssuableNiPrefix, resolveCriteria, toPeopleCriteria } from './search-criteria';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const SECRET = 'test-audit-hmac-secret-0123456789';

function detailsOf(fn: () => unknown): Array<{ field: string; message: string }> {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.options.details ?? [];
    throw error;
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe(resolveCriteria.name, () => {
  it('should resolve each kind of criteria', () => {
    expect(resolveCriteria({ employeeNumber: '30581377' }, NOW)).toEqual({ kind: 'employeeNumber', employeeNumber: '30581377' });
    expect(resolveCriteria({ assignmentNumber: '30581377-2' }, NOW)).toEqual({ kind: 'assignmentNumber', assignmentNumber: '30581377-2' });
    expect(resolveCriteria({ lastName: ' de  la Cruz ', dateOfBirth: '1984-03-07', niNumber: 'ab 12 34 56 c' }, NOW)).toEqual({
      kind: 'personalDetails',
      lastName: 'de la Cruz',
      dateOfBirth: '1984-03-07',
      niNumber: 'AB123456C',
    });
  });

  it('should refuse a request with no criteria', () => {
    expect(detailsOf(() => resolveCriteria({}, NOW))).toEqual([
      { field: 'criteria', message: expect.stringContaining('no search criteria') },
    ]);
    expect(detailsOf(() => resolveCriteria({ employeeNumber: '', assignmentNumber: null }, NOW))).toEqual([
      { field: 'criteria', message: expect.any(String) },
    ]);
  });

  it('should refuse two kinds of criteria, naming them', () => {
    const [detail] = detailsOf(() => resolveCriteria({ employeeNumber: '30581377', assignmentNumber: '30581377-2' }, NOW));
    expect(detail).toEqual({ field: 'criteria', message: expect.stringContaining('employeeNumber and assignmentNumber') });
    const [mixed] = detailsOf(() => resolveCriteria({ employeeNumber: '30581377', lastName: 'Smith' }, NOW));
    expect(mixed?.message).toContain('employeeNumber and personalDetails');
  });

  it('should name the missing fields of partial personal details', () => {
    expect(detailsOf(() => resolveCriteria({ lastName: 'Smith' }, NOW))).toEqual([
      { field: 'dateOfBirth', message: expect.stringContaining('dateOfBirth is required') },
      { field: 'niNumber', message: expect.stringContaining('niNumber is required') },
    ]);
    expect(detailsOf(() => resolveCriteria({ lastName: 'Smith', niNumber: 'AB123456C' }, NOW))).toEqual([
      { field: 'dateOfBirth', message: expect.stringContaining('required') },
    ]);
  });

  it('should refuse a date of birth today or in the future (UK date), and before 1900', () => {
    const base = { lastName: 'Smith', niNumber: 'AB123456C' };
    expect(detailsOf(() => resolveCriteria({ ...base, dateOfBirth: '2026-11-25' }, NOW))).toEqual([
      { field: 'dateOfBirth', message: expect.stringContaining('in the past') },
    ]);
    expect(detailsOf(() => resolveCriteria({ ...base, dateOfBirth: '2030-01-01' }, NOW))).toHaveLength(1);
    expect(detailsOf(() => resolveCriteria({ ...base, dateOfBirth: '1899-12-31' }, NOW))).toHaveLength(1);
    expect(resolveCriteria({ ...base, dateOfBirth: '2026-11-24' }, NOW)).toMatchObject({ dateOfBirth: '2026-11-24' });
    // 23:30 UTC on 31 May is already 1 June in the UK (BST): 31 May is then in the past.
    expect(resolveCriteria({ ...base, dateOfBirth: '2026-05-31' }, Date.parse('2026-05-31T23:30:00Z'))).toBeDefined();
    expect(detailsOf(() => resolveCriteria({ ...base, dateOfBirth: '2026-06-01' }, Date.parse('2026-05-31T23:30:00Z')))).toHaveLength(1);
  });

  it('should check every format itself as well as the DTO does', () => {
    expect(detailsOf(() => resolveCriteria({ employeeNumber: '1234' }, NOW))).toEqual([
      { field: 'employeeNumber', message: expect.any(String) },
    ]);
    expect(detailsOf(() => resolveCriteria({ assignmentNumber: 'x' }, NOW))).toEqual([
      { field: 'assignmentNumber', message: expect.any(String) },
    ]);
    expect(
      detailsOf(() => resolveCriteria({ lastName: 'Sm1th', dateOfBirth: '1984-02-30', niNumber: 'QQ123456C' }, NOW)).map((d) => d.field),
    ).toEqual(['lastName', 'dateOfBirth', 'niNumber']);
  });
});

describe(isIssuableNiPrefix.name, () => {
  it('should follow HMRC prefix rules', () => {
    expect(isIssuableNiPrefix('AB123456C')).toBe(true);
    expect(isIssuableNiPrefix('JZ123456D')).toBe(true);
    for (const bad of [
      'DA',
      'FA',
      'IA',
      'QA',
      'UA',
      'VA',
      'AD',
      'AF',
      'AI',
      'AO',
      'AQ',
      'AU',
      'AV',
      'BG',
      'GB',
      'KN',
      'NK',
      'NT',
      'TN',
      'ZZ',
    ])
      expect(isIssuableNiPrefix(`${bad}123456A`)).toBe(false);
  });
});

describe(canonicalCriteria.name, () => {
  it('should give one form however the same criteria were typed', () => {
    const a: SearchCriteria = { kind: 'personalDetails', lastName: "o'neill", dateOfBirth: '1984-03-07', niNumber: 'ab 123456 c' };
    const b: SearchCriteria = { kind: 'personalDetails', lastName: "  O'NEILL ", dateOfBirth: '1984-03-07', niNumber: 'AB123456C' };
    expect(canonicalCriteria(a)).toBe(canonicalCriteria(b));
    expect(canonicalCriteria(b)).toBe(JSON.stringify(['v1', 'personalDetails', "O'NEILL", '1984-03-07', 'AB123456C']));
  });

  it('should keep the kinds apart', () => {
    expect(canonicalCriteria({ kind: 'employeeNumber', employeeNumber: '30581377' })).not.toBe(
      canonicalCriteria({ kind: 'assignmentNumber', assignmentNumber: '30581377' }),
    );
  });
});

describe(criteriaHash.name, () => {
  const criteria: SearchCriteria = { kind: 'personalDetails', lastName: 'Ashworth', dateOfBirth: '1984-03-07', niNumber: 'AB123456C' };

  it('should be the HMAC-SHA256 of the canonical form with the audit secret', () => {
    const expected = createHmac('sha256', SECRET).update(canonicalCriteria(criteria)).digest('hex');
    expect(criteriaHash(criteria, SECRET)).toBe(expected);
    expect(criteriaHash(criteria, SECRET)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('should depend on the secret and on every value, and hold none of them', () => {
    const hash = criteriaHash(criteria, SECRET);
    expect(criteriaHash(criteria, `${SECRET}x`)).not.toBe(hash);
    expect(criteriaHash({ ...criteria, dateOfBirth: '1984-03-08' }, SECRET)).not.toBe(hash);
    expect(criteriaHash({ ...criteria, niNumber: 'AB123456D' }, SECRET)).not.toBe(hash);
    expect(criteriaHash({ ...criteria, lastName: 'Ashwort' }, SECRET)).not.toBe(hash);
    expect(criteriaHash({ ...criteria, lastName: 'ASHWORTH' }, SECRET)).toBe(hash);
    for (const value of ['Ashworth', 'ASHWORTH', '1984-03-07', 'AB123456C']) expect(hash).not.toContain(value);
  });
});

describe(toPeopleCriteria.name, () => {
  it('should ask ESR exactly the resolved criteria', () => {
    expect(toPeopleCriteria({ kind: 'employeeNumber', employeeNumber: '30581377' })).toEqual({ employeeNumber: '30581377' });
    expect(toPeopleCriteria({ kind: 'assignmentNumber', assignmentNumber: '30581377-2' })).toEqual({ assignmentNumber: '30581377-2' });
    expect(toPeopleCriteria({ kind: 'personalDetails', lastName: 'Smith', dateOfBirth: '1984-03-07', niNumber: 'AB123456C' })).toEqual({
      lastName: 'Smith',
      dateOfBirth: '1984-03-07',
      niNumber: 'AB123456C',
    });
  });
});
