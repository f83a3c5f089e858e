/*
 * The one CSV writer of the gateway and the CLI (RFC 4180, with formula neutralisation). Plain
 * TypeScript with no imports, so both the server (reconciliation, access review) and the command line
 * tool (FILE.rejected.csv) can use it (.dependency-cruiser.cjs lets the CLI import src/common/csv/).
 */

export type CsvValue = string | number | boolean | null | undefined;

/**
 * First characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a
 * formula or a DDE command: = + - @, tab, carriage return and line feed (OWASP "CSV Injection"), and
 * the full-width = + - @ that some spreadsheets fold to them.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;
/** Cells with these are quoted: the separator, quotes, line breaks, and `;` (the separator of some locales). */
const NEEDS_QUOTES = /[",;\r\n]/;

/**
 * One cell: null and undefined are empty; a cell that a spreadsheet would run as a formula gets a
 * leading `'` (shown as text, the value kept readable); a cell with a separator, quote or line break
 * is quoted with its quotes doubled.
 */
export function csvCell(value: CsvValue): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, ended by CRLF (RFC 4180). */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** A whole document: the header line, then one line per row with the columns' values in order. */
export function toCsv<Row>(columns: readonly (keyof Row & string)[], rows: Iterable<Row>): string {
  let out = csvLine(columns);
  for (const row of rows) out += csvLine(columns.map((c) => row[c] as CsvValue));
  return out;
}
