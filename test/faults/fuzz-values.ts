import fc from 'fast-check';

/** Strings that have broken parsers, loggers and databases before. */
const NASTY = [
  '',
  ' ',
  '\u0000',
  '\u0007\u001b[31m',
  '\r\n\r\nX-Injected: 1',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ud800',
  '\udfff\ud800',
  '\ufeff',
  '😀👩‍👩‍👧',
  'e\u0301\u0301\u0301',
  'İıßẞ',
  '../../../etc/passwd',
  '%00%2F%ZZ',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'null',
  '9'.repeat(40),
  'a'.repeat(129),
];

/** Any string: printable, unicode (lone surrogates too), control characters, the nasty ones. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY), weight: 2 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 10 }), weight: 1 },
);

/** What a header value can carry on the wire: tab, printable ASCII and obs-text (0x80-0xff). */
const headerChar = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c));
export const anyHeaderValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 40 }),
  fc.string({ unit: headerChar, minLength: 120, maxLength: 140 }),
  fc.constantFrom('', ' ', '\t', 'null', 'undefined', '[object Object]'),
);

/**
 * Percent-encodes UTF-8 bytes (lone surrogates become U+FFFD), as a client would put a value in a path.
 * Dots too: a segment of only dots would otherwise be resolved away by URL parsing (another route).
 */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
