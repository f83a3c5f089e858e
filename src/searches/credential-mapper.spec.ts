import type { EsrEmploymentCheck, EsrPerson } from '../esr/esr.types';
import { dbsCheck, employmentCheck, rightToWorkCheck, toCredentials, toPersonMatch } from './credential-mapper';

/** A check with none of the ESR 1.1.0 details, as ESR 1.0 sends it. */
const check = (fields: Pick<EsrEmploymentCheck, 'type' | 'status' | 'checkedDate' | 'expiryDate' | 'reference'>): EsrEmploymentCheck => ({
  ...fields,
  level: null,
  barredLists: null,
  updateService: null,
  documentType: null,
  restrictions: null,
  followUpDate: null,
});

const person = (): EsrPerson => ({
  employeeNumber: '30581377',
  vpd: '979',
  title: 'Mr',
  firstName: 'Jordan',
  lastName: 'Ashworth',
  dateOfBirth: '1984-03-07',
  systemPersonType: 'EMP',
  primaryAssignmentNumber: '30581377',
  extractDate: null,
  middleNames: 'Lee',
  niNumberMasked: 'AB****56C',
  hireDate: '2010-09-01',
  actualTerminationDate: null,
  assignments: [
    {
      assignmentNumber: '30581377',
      primary: true,
      status: 'ACTIVE',
      positionName: 'Staff Nurse - Ward 7',
      jobRole: 'Staff Nurse',
      staffGroup: 'Nursing and Midwifery Registered',
      organisationName: '979 Example NHS Trust',
      effectiveStartDate: '2010-09-01',
      effectiveEndDate: null,
    },
    {
      assignmentNumber: '30581377-2',
      primary: false,
      status: 'TERMINATED',
      positionName: null,
      jobRole: null,
      staffGroup: null,
      organisationName: null,
      effectiveStartDate: '2015-01-05',
      effectiveEndDate: '2019-06-30',
    },
  ],
  employmentChecks: [
    check({ type: 'IDENTITY', status: 'VERIFIED', checkedDate: '2010-08-01', expiryDate: null, reference: null }),
    check({ type: 'DBS', status: 'EXPIRED', checkedDate: '2016-08-01', expiryDate: '2019-08-01', reference: '000111222333' }),
    {
      ...check({ type: 'DBS', status: 'VERIFIED', checkedDate: '2020-08-01', expiryDate: '2023-08-01', reference: '000444555666' }),
      level: 'ENHANCED_WITH_BARRED_LISTS',
      barredLists: ['ADULTS', 'CHILDREN'],
      updateService: true,
    },
    check({ type: 'DBS', status: 'PENDING', checkedDate: null, expiryDate: null, reference: null }),
    check({ type: 'OCCUPATIONAL_HEALTH', status: 'PENDING', checkedDate: '2010-08-10', expiryDate: null, reference: null }),
  ],
  registrations: [{ body: 'NMC', number: '10A1234E', status: 'LAPSED', expiryDate: '2025-01-31' }],
  competences: [
    {
      name: 'Fire Safety - Level 1',
      cstfSubject: 'Fire Safety',
      level: 1,
      status: 'EXPIRED',
      achievedDate: '2022-01-01',
      expiryDate: '2024-01-01',
    },
    { name: 'Local induction', cstfSubject: null, level: null, status: 'IN_PROGRESS', achievedDate: null, expiryDate: null },
  ],
  immunisations: [{ antigen: 'Hepatitis B', date: '2010-08-15', result: null }],
});

describe('credential mapper', () => {
  describe(toCredentials.name, () => {
    it('should map every credential with the status and dates ESR holds', () => {
      const credentials = toCredentials(person(), { vpd: '979', retrievedAt: '2026-11-25T10:00:00.000Z' });
      expect(credentials).toEqual({
        source: { vpd: '979', employeeNumber: '30581377', extractDate: null, retrievedAt: '2026-11-25T10:00:00.000Z' },
        employment: [
          {
            assignmentNumber: '30581377',
            primary: true,
            status: 'ACTIVE',
            positionName: 'Staff Nurse - Ward 7',
            jobRole: 'Staff Nurse',
            staffGroup: 'Nursing and Midwifery Registered',
            organisationName: '979 Example NHS Trust',
            startDate: '2010-09-01',
            endDate: null,
          },
          {
            assignmentNumber: '30581377-2',
            primary: false,
            status: 'TERMINATED',
            positionName: null,
            jobRole: null,
            staffGroup: null,
            organisationName: null,
            startDate: '2015-01-05',
            endDate: '2019-06-30',
          },
        ],
        identity: {
          check: { status: 'VERIFIED', checkedDate: '2010-08-01', expiryDate: null, reference: null },
          title: 'Mr',
          firstName: 'Jordan',
          middleNames: 'Lee',
          lastName: 'Ashworth',
          dateOfBirth: '1984-03-07',
          niNumberMasked: 'AB****56C',
        },
        rightToWork: null,
        dbs: {
          status: 'VERIFIED',
          checkedDate: '2020-08-01',
          expiryDate: '2023-08-01',
          reference: '000444555666',
          level: 'ENHANCED_WITH_BARRED_LISTS',
          barredLists: ['ADULTS', 'CHILDREN'],
          updateService: true,
        },
        employmentHistory: null,
        professionalRegistrations: [{ body: 'NMC', number: '10A1234E', status: 'LAPSED', expiryDate: '2025-01-31' }],
        professionalRegistrationCheck: null,
        occupationalHealth: {
          immunisations: [{ antigen: 'Hepatitis B', date: '2010-08-15', result: null }],
          check: { status: 'PENDING', checkedDate: '2010-08-10', expiryDate: null, reference: null },
        },
        coreSkillsTraining: [
          {
            name: 'Fire Safety - Level 1',
            cstfSubject: 'Fire Safety',
            level: 1,
            status: 'EXPIRED',
            achievedDate: '2022-01-01',
            expiryDate: '2024-01-01',
          },
          { name: 'Local induction', cstfSubject: null, level: null, status: 'IN_PROGRESS', achievedDate: null, expiryDate: null },
        ],
      });
    });

    it('should answer null for checks ESR does not hold and empty lists for an empty record, inventing nothing', () => {
      const empty: EsrPerson = {
        ...person(),
        extractDate: '2026-11-25T02:00:00Z',
        assignments: [],
        employmentChecks: [],
        registrations: [],
        competences: [],
        immunisations: [],
      };
      const credentials = toCredentials(empty, { vpd: '979', retrievedAt: '2026-11-25T10:00:00.000Z' });
      expect(credentials.identity.check).toBeNull();
      expect(credentials.rightToWork).toBeNull();
      expect(credentials.dbs).toBeNull();
      expect(credentials.occupationalHealth).toEqual({ immunisations: [], check: null });
      expect(credentials.employment).toEqual([]);
      expect(credentials.professionalRegistrations).toEqual([]);
      expect(credentials.coreSkillsTraining).toEqual([]);
      expect(credentials.source.extractDate).toBe('2026-11-25T02:00:00Z');
    });

    it('should never carry a full NI number or anything ESR did not send', () => {
      const text = JSON.stringify(toCredentials(person(), { vpd: '979', retrievedAt: 'x' }));
      expect(text).not.toMatch(/[A-Z]{2}\d{6}[A-D]/);
      expect(text).not.toContain('hireDate');
    });
  });

  describe(employmentCheck.name, () => {
    it('should pick the most recently checked of several checks of one type, undated ones last', () => {
      const checks = person().employmentChecks;
      expect(employmentCheck(checks, 'DBS')?.checkedDate).toBe('2020-08-01');
      expect(employmentCheck([checks[3], checks[1]], 'DBS')?.checkedDate).toBe('2016-08-01');
      expect(employmentCheck([checks[3]], 'DBS')).toEqual({ status: 'PENDING', checkedDate: null, expiryDate: null, reference: null });
      expect(employmentCheck(checks, 'RIGHT_TO_WORK')).toBeNull();
    });
  });

  describe(dbsCheck.name, () => {
    it("should add the latest DBS check's level, barred lists and Update Service, null where ESR did not say", () => {
      const checks = person().employmentChecks;
      expect(dbsCheck(checks)).toMatchObject({
        level: 'ENHANCED_WITH_BARRED_LISTS',
        barredLists: ['ADULTS', 'CHILDREN'],
        updateService: true,
      });
      expect(dbsCheck([checks[1]])).toMatchObject({ status: 'EXPIRED', level: null, barredLists: null, updateService: null });
      expect(dbsCheck([checks[0]])).toBeNull();
    });
  });

  describe(rightToWorkCheck.name, () => {
    it('should add the document type, restrictions and follow-up date, null where ESR did not say', () => {
      const visa = {
        ...check({
          type: 'RIGHT_TO_WORK',
          status: 'VERIFIED',
          checkedDate: '2024-02-01',
          expiryDate: '2027-01-31',
          reference: 'W12345678',
        }),
        documentType: 'Biometric residence permit',
        restrictions: 'Limited to 20 hours a week in term time',
        followUpDate: '2027-01-31',
      };
      expect(rightToWorkCheck([visa])).toEqual({
        status: 'VERIFIED',
        checkedDate: '2024-02-01',
        expiryDate: '2027-01-31',
        reference: 'W12345678',
        documentType: 'Biometric residence permit',
        restrictions: 'Limited to 20 hours a week in term time',
        followUpDate: '2027-01-31',
      });
      const old = check({ type: 'RIGHT_TO_WORK', status: 'VERIFIED', checkedDate: '2010-08-01', expiryDate: null, reference: null });
      expect(rightToWorkCheck([old])).toMatchObject({ documentType: null, restrictions: null, followUpDate: null });
      expect(rightToWorkCheck(person().employmentChecks)).toBeNull();
    });
  });

  describe(toPersonMatch.name, () => {
    it('should give what the portal shows to choose from', () => {
      expect(toPersonMatch(person())).toEqual({
        employeeNumber: '30581377',
        title: 'Mr',
        firstName: 'Jordan',
        lastName: 'Ashworth',
        dateOfBirth: '1984-03-07',
        systemPersonType: 'EMP',
        primaryAssignmentNumber: '30581377',
      });
    });
  });
});
