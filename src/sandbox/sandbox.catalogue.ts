/**
 * Vocabulary the sandbox generator draws from. All organisation and person names are invented;
 * any resemblance to a real trust or person is coincidental.
 */
import type { RegistrationBody } from './sandbox.types';

export const FIRST_NAMES = [
  'Aisha',
  'Alex',
  'Amelia',
  'Amir',
  'Ava',
  'Ben',
  'Bethany',
  'Callum',
  'Chen',
  'Chloe',
  'Connor',
  'Daniel',
  'Deepa',
  'Eleanor',
  'Ella',
  'Emeka',
  'Emily',
  'Ethan',
  'Fatima',
  'Finley',
  'Freya',
  'George',
  'Grace',
  'Hannah',
  'Harry',
  'Imran',
  'Isla',
  'Jack',
  'Jacob',
  'James',
  'Jasmine',
  'Jessica',
  'Joshua',
  'Kai',
  'Katie',
  'Layla',
  'Leo',
  'Liam',
  'Lily',
  'Lucy',
  'Maya',
  'Megan',
  'Mohammed',
  'Nadia',
  'Noah',
  'Oliver',
  'Olivia',
  'Oscar',
  'Priya',
  'Rhys',
  'Rosie',
  'Ruby',
  'Ryan',
  'Samuel',
  'Sophie',
  'Tariq',
  'Thomas',
  'Wei',
  'William',
  'Yusuf',
  'Zara',
  'Zoe',
] as const;

export const MIDDLE_NAMES = ['Anne', 'James', 'Louise', 'John', 'Marie', 'Rose', 'David', 'Grace', 'Ali', 'Jane', 'Lee'] as const;

export const LAST_NAMES = [
  'Adeyemi',
  'Ahmed',
  'Ali',
  'Anderson',
  'Ashworth',
  'Bailey',
  'Baker',
  'Begum',
  'Bennett',
  'Brown',
  'Campbell',
  'Carter',
  'Chen',
  'Clarke',
  'Cooper',
  'Davies',
  'Edwards',
  "O'Neill",
  'Evans',
  'Fletcher',
  'Green',
  'Hall',
  'Harris',
  'Hughes',
  'Hussain',
  'Jackson',
  'James',
  'Johnson',
  'Jones',
  'Kaur',
  'Khan',
  'King',
  'Lewis',
  'Martin',
  'Mensah',
  'Mitchell',
  'Moore',
  'Morgan',
  'Murphy',
  'Nguyen',
  'Nowak',
  'Okafor',
  'Owen',
  'Parker',
  'Patel',
  'Phillips',
  'Price',
  'Roberts',
  'Robinson',
  'Shah',
  'Singh',
  'Smith',
  'Taylor',
  'Thomas',
  'Thompson',
  'Turner',
  'Walker',
  'Ward',
  'Watson',
  'White',
  'Williams',
  'Wilson',
  'Wood',
  'Wright',
  'Young',
  'Smith-Jones',
  'de Souza',
] as const;

export const TITLES = [
  ['Mr', 30],
  ['Mrs', 18],
  ['Ms', 14],
  ['Miss', 8],
  ['Dr', 6],
  ['Mx', 2],
  [null, 22],
] as const;

const PLACES = [
  'Ashdown',
  'Barrowford',
  'Bramley',
  'Castlemere',
  'Chalkbourne',
  'Cressington',
  'Dunmere',
  'Eastleigh Vale',
  'Elmbridge',
  'Fairhaven',
  'Fenwick',
  'Glenrothe',
  'Greystone',
  'Hallamshire Moor',
  'Harrowgate Fields',
  'Hollins',
  'Kingsbridge Weald',
  'Lanthorn',
  'Larkfield',
  'Lowmoor',
  'Marlow Downs',
  'Merriton',
  'Millbrook',
  'Northmere',
  'Oakhampton',
  'Pendlebrook',
  'Quarry Bank',
  'Ravensworth',
  'Redcliffe Vale',
  'Rosedene',
  'Saltmarsh',
  'Severnside',
  'Southwold Heath',
  'Stonebridge',
  'Tamarind',
  'Thornbury Cross',
  'Wealdstone Park',
  'Westerleigh',
  'Whitmore',
  'Wyvern',
] as const;

const ORGANISATION_KINDS = [
  'Teaching Hospitals NHS Foundation Trust',
  'Hospitals NHS Trust',
  'NHS Foundation Trust',
  'Community Healthcare NHS Trust',
  'Mental Health NHS Foundation Trust',
  'Integrated Care Board',
  'University Hospitals NHS Trust',
  'Partnership NHS Foundation Trust',
] as const;

const COMPASS = ['North', 'South', 'East', 'West', 'Central', 'Greater', 'Upper', 'Lower'] as const;

/**
 * The name of the n-th organisation in a shuffled order; unique for n below
 * PLACES x KINDS x (COMPASS + 1) = 2,880, which covers every 3-digit VPD.
 */
export function organisationName(n: number): string {
  const place = PLACES[n % PLACES.length] as string;
  const kindIndex = Math.floor(n / PLACES.length) % ORGANISATION_KINDS.length;
  const compassIndex = Math.floor(n / (PLACES.length * ORGANISATION_KINDS.length));
  const prefix = compassIndex === 0 ? '' : `${COMPASS[(compassIndex - 1) % COMPASS.length] as string} `;
  return `${prefix}${place} ${ORGANISATION_KINDS[kindIndex] as string}`;
}

export const ORGANISATION_NAME_CAPACITY = PLACES.length * ORGANISATION_KINDS.length * (COMPASS.length + 1);

export interface StaffGroup {
  name: string;
  weight: number;
  jobRoles: readonly string[];
  registration: RegistrationBody | null;
}

export const STAFF_GROUPS: readonly StaffGroup[] = [
  {
    name: 'Nursing and Midwifery Registered',
    weight: 26,
    jobRoles: ['Staff Nurse', 'Sister/Charge Nurse', 'Midwife', 'Nurse Manager', 'Specialist Nurse Practitioner'],
    registration: 'NMC',
  },
  {
    name: 'Medical and Dental',
    weight: 10,
    jobRoles: ['Consultant', 'Specialty Registrar', 'Foundation Year 2', 'Specialty Doctor', 'Dental Officer'],
    registration: 'GMC',
  },
  {
    name: 'Allied Health Professionals',
    weight: 10,
    jobRoles: ['Physiotherapist', 'Occupational Therapist', 'Radiographer - Diagnostic', 'Paramedic', 'Dietitian'],
    registration: 'HCPC',
  },
  {
    name: 'Additional Professional Scientific and Technical',
    weight: 6,
    jobRoles: ['Pharmacist', 'Clinical Psychologist', 'Healthcare Scientist', 'Pharmacy Technician'],
    registration: 'GPhC',
  },
  {
    name: 'Additional Clinical Services',
    weight: 16,
    jobRoles: ['Healthcare Assistant', 'Nursing Assistant', 'Phlebotomist', 'Dental Nurse'],
    registration: null,
  },
  {
    name: 'Administrative and Clerical',
    weight: 22,
    jobRoles: ['HR Advisor', 'Medical Secretary', 'Ward Clerk', 'Receptionist', 'Manager', 'Finance Officer'],
    registration: null,
  },
  {
    name: 'Estates and Ancillary',
    weight: 8,
    jobRoles: ['Porter', 'Domestic', 'Catering Assistant', 'Maintenance Craftsperson'],
    registration: null,
  },
  { name: 'Students', weight: 2, jobRoles: ['Student Nurse', 'Student Paramedic'], registration: null },
];

/** Staff group of a role holder: supplementary-role holders are mostly HR and managers. */
export const ROLE_HOLDER_STAFF_GROUP = 'Administrative and Clerical';
export const ROLE_HOLDER_JOB_ROLES = ['HR Advisor', 'HR Manager', 'Medical Staffing Officer', 'Workforce Systems Officer'] as const;

export const DEPARTMENTS = [
  'Emergency Department',
  'Cardiology',
  'Maternity',
  'Outpatients',
  'Theatres',
  'Paediatrics',
  'Oncology',
  'Radiology',
  'Pharmacy',
  'Workforce and OD',
  'Estates',
  'Community Nursing',
  'Critical Care',
  'Medical Staffing',
] as const;

export const BANDS = ['Band 2', 'Band 3', 'Band 4', 'Band 5', 'Band 6', 'Band 7', 'Band 8a'] as const;

/** The eleven Core Skills Training Framework subjects, with the levels ESR records and renewal years. */
export interface CstfSubject {
  subject: string;
  levels: readonly (number | null)[];
  renewalYears: number;
}

export const CSTF_SUBJECTS: readonly CstfSubject[] = [
  { subject: 'Equality, Diversity and Human Rights', levels: [1], renewalYears: 3 },
  { subject: 'Health, Safety and Welfare', levels: [1], renewalYears: 3 },
  { subject: 'NHS Conflict Resolution (England)', levels: [1], renewalYears: 3 },
  { subject: 'Fire Safety', levels: [1, 2], renewalYears: 2 },
  { subject: 'Infection Prevention and Control', levels: [1, 2], renewalYears: 3 },
  { subject: 'Moving and Handling', levels: [1, 2], renewalYears: 2 },
  { subject: 'Safeguarding Adults', levels: [1, 2, 3], renewalYears: 3 },
  { subject: 'Safeguarding Children', levels: [1, 2, 3], renewalYears: 3 },
  { subject: 'Preventing Radicalisation', levels: [null], renewalYears: 3 },
  { subject: 'Resuscitation', levels: [1, 2, 3], renewalYears: 1 },
  { subject: 'Information Governance and Data Security', levels: [1], renewalYears: 1 },
];

export const ANTIGENS = [
  { antigen: 'Hepatitis B', results: ['Immune', 'Non-responder', 'Course complete', null] },
  { antigen: 'Measles', results: ['Immune', 'Two doses', null] },
  { antigen: 'Rubella', results: ['Immune', 'Two doses', null] },
  { antigen: 'Varicella', results: ['Immune', 'History of chickenpox', null] },
  { antigen: 'Tuberculosis', results: ['BCG scar seen', 'IGRA negative', null] },
  { antigen: 'Influenza', results: ['Vaccinated', null] },
  { antigen: 'COVID-19', results: ['Dose 1', 'Dose 2', 'Booster', null] },
] as const;

/** Valid National Insurance number prefixes (first letter not D F I Q U V, second not D F I O Q U V). */
export const NI_PREFIXES: readonly string[] = (() => {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const excluded = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);
  const prefixes: string[] = [];
  for (const first of letters) {
    if ('DFIQUV'.includes(first)) continue;
    for (const second of letters) {
      if ('DFIOQUV'.includes(second)) continue;
      const prefix = first + second;
      if (!excluded.has(prefix)) prefixes.push(prefix);
    }
  }
  return prefixes;
})();

export const NI_SUFFIXES = ['A', 'B', 'C', 'D'] as const;
