import { parse, Parser } from 'csv-parse';
import { once } from 'node:events';
import { createReadStream, createWriteStream, WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { csvLine, type CsvValue } from '../common/csv/csv-writer';
import type { ImportResult } from './api.types';
import { CliError, EXIT } from './cli-error';
import { GatewayClient, GatewayError } from './gateway-client';

export const IMPORT_COLUMNS = ['portalUserId', 'vpd', 'employeeNumber'] as const;
/** The gateway takes at most 1,000 rows per import request. */
export const MAX_CHUNK_ROWS = 1000;
/** Keep each request body well under the gateway's body limit (64 KiB for ordinary routes). */
const MAX_CHUNK_BYTES = 56 * 1024;
const MAX_RETRIES = 5;
const MAX_RETRY_WAIT_MS = 30_000;

interface Row {
  line: number;
  portalUserId: string;
  vpd: string;
  employeeNumber: string;
}

export interface ImportProgress {
  rowsRead: number;
  bytesRead: number;
  created: number;
  skipped: number;
  rejected: number;
  /** Created rows that do not give Search ESR (yet): leavers, no role, not confirmed by ESR, ... */
  attention: number;
}

/** A created row that needs the LSA's attention, by its file line (1-based; the header is line 1). */
export interface ImportWarning {
  line: number;
  vpd: string;
  employeeNumber: string;
  portalUserId: string;
  state: string;
  verified: boolean;
  reason: string;
}

export interface ImportSummary extends ImportProgress {
  /** Where rejected rows went; undefined when none was rejected. */
  rejectedFile?: string;
  /** Where the rows needing attention went; undefined when there were none. */
  attentionFile?: string;
  /** How many rows need attention, by state ("UNVERIFIED" for rows ESR has not confirmed yet). */
  attentionByState: Record<string, number>;
  /** The first MAX_SHOWN_WARNINGS of them, to print. */
  warnings: ImportWarning[];
}

/** Rows needing attention that the summary names one by one (all of them are in FILE.attention.csv). */
export const MAX_SHOWN_WARNINGS = 20;

/** FILE.csv -> FILE.rejected.csv */
export function rejectedPathFor(file: string): string {
  return siblingPath(file, 'rejected');
}

/** FILE.csv -> FILE.attention.csv */
export function attentionPathFor(file: string): string {
  return siblingPath(file, 'attention');
}

function siblingPath(file: string, kind: string): string {
  return /\.csv$/i.test(file) ? file.replace(/\.csv$/i, `.${kind}.csv`) : `${file}.${kind}.csv`;
}

/** A CSV file written row by row through the shared writer (formulas neutralised), opened at the first row. */
class CsvOut {
  private file?: WriteStream;

  constructor(
    readonly path: string,
    private readonly columns: readonly string[],
  ) {}

  get opened(): boolean {
    return this.file !== undefined;
  }

  async write(values: readonly CsvValue[]): Promise<void> {
    if (!this.file) {
      this.file = createWriteStream(this.path);
      this.file.write(csvLine(this.columns));
    }
    if (!this.file.write(csvLine(values))) await once(this.file, 'drain');
  }

  async close(): Promise<void> {
    if (!this.file) return;
    this.file.end();
    await finished(this.file);
  }
}

/**
 * Streams an LSA's CSV (header `portalUserId,vpd,employeeNumber`, any order, extra columns ignored) to
 * POST /v1/esr-mappings/import in chunks of up to `chunkSize` rows, one request at a time, so memory
 * stays bounded whatever the file's size. Rows the gateway (or the CSV itself) rejects go to
 * FILE.rejected.csv with the line number, error code and reason; rows saved in a state that gives no
 * Search ESR (a leaver, no role, not confirmed by ESR, ...) go to FILE.attention.csv. Every row is named
 * by its line in the file (1-based, the header is line 1). A request refused as a whole stops
 * the import with the line it stopped at (rows before it are in; importing again skips them). 429 and
 * 503 answers are retried after Retry-After.
 */
export class CsvImport {
  private readonly progress: ImportProgress = { rowsRead: 0, bytesRead: 0, created: 0, skipped: 0, rejected: 0, attention: 0 };
  private readonly rejectedOut: CsvOut;
  private readonly attentionOut: CsvOut;
  private readonly attentionByState: Record<string, number> = {};
  private readonly warnings: ImportWarning[] = [];

  constructor(
    private readonly client: GatewayClient,
    private readonly file: string,
    private readonly chunkSize: number,
    private readonly onProgress: (p: ImportProgress) => void,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    this.rejectedOut = new CsvOut(rejectedPathFor(file), [...IMPORT_COLUMNS, 'line', 'error', 'reason']);
    this.attentionOut = new CsvOut(attentionPathFor(file), [...IMPORT_COLUMNS, 'line', 'state', 'verified', 'reason']);
  }

  async run(): Promise<ImportSummary> {
    const source = createReadStream(this.file);
    const parser: Parser = parse({ bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true });
    source.on('error', (error) => parser.destroy(error));
    source.pipe(parser);
    let columns: number[] | undefined;
    let chunk: Row[] = [];
    let chunkBytes = 0;
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
        // The record's own snapshot: the parser reads ahead of what has been sent.
        const consumedBytes = info.bytes;
        if (!columns) {
          columns = headerIndexes(record, this.file);
          continue;
        }
        const row: Row = {
          line: info.lines,
          portalUserId: record[columns[0]] ?? '',
          vpd: record[columns[1]] ?? '',
          employeeNumber: record[columns[2]] ?? '',
        };
        this.progress.rowsRead++;
        if (record.length < Math.max(...columns) + 1) {
          await this.reject(
            row,
            'VALIDATION_FAILED',
            `The row has ${record.length} field(s); the header names ${Math.max(...columns) + 1}.`,
          );
          continue;
        }
        chunk.push(row);
        chunkBytes += JSON.stringify(row).length + 1;
        if (chunk.length >= this.chunkSize || chunkBytes >= MAX_CHUNK_BYTES) {
          await this.send(chunk);
          chunk = [];
          chunkBytes = 0;
          this.progress.bytesRead = consumedBytes;
          this.onProgress({ ...this.progress });
        }
      }
      if (!columns)
        throw new CliError(`${this.file} is empty: it needs the header ${IMPORT_COLUMNS.join(',')} and one row per mapping.`, EXIT.USAGE);
      if (chunk.length) await this.send(chunk);
      this.progress.bytesRead = parser.info.bytes;
      this.onProgress({ ...this.progress });
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('CSV_'))
        throw new CliError(`${this.file} is not valid CSV: ${(error as Error).message}`, EXIT.USAGE);
      if ((error as { code?: string }).code === 'ENOENT' || (error as { code?: string }).code === 'EACCES')
        throw new CliError(`Cannot read ${this.file} (${(error as { code: string }).code}).`, EXIT.USAGE);
      throw error;
    } finally {
      source.destroy();
      parser.destroy();
      await Promise.all([this.rejectedOut.close(), this.attentionOut.close()]);
    }
    return {
      ...this.progress,
      rejectedFile: this.rejectedOut.opened ? this.rejectedOut.path : undefined,
      attentionFile: this.attentionOut.opened ? this.attentionOut.path : undefined,
      attentionByState: { ...this.attentionByState },
      warnings: [...this.warnings],
    };
  }

  private async send(rows: Row[]): Promise<void> {
    const items = rows.map(({ portalUserId, vpd, employeeNumber }) => ({ portalUserId, vpd, employeeNumber }));
    let result: ImportResult | undefined;
    for (let attempt = 1; !result; attempt++) {
      try {
        result = await this.client.json<ImportResult>('POST', '/v1/esr-mappings/import', { body: { items } });
      } catch (error) {
        const retryable = error instanceof GatewayError && (error.status === 429 || error.status === 503) && attempt < MAX_RETRIES;
        if (retryable) await this.sleep(Math.min(error.retryAfterMs ?? 1000 * attempt, MAX_RETRY_WAIT_MS));
        else if (error instanceof GatewayError) {
          const done = `${this.progress.created} created and ${this.progress.skipped} already there before it`;
          throw new GatewayError(`Import stopped at line ${rows[0].line} (${done}): ${error.message}`, error.status, error.code, undefined);
        } else throw error;
      }
    }
    this.progress.created += result.created;
    this.progress.skipped += result.skipped;
    for (const e of result.errors) {
      const row = rows[e.index];
      const related = e.relatedIndex === undefined ? undefined : rows[e.relatedIndex];
      // The gateway names rows by their index in the request; the LSA knows the file's lines.
      const message = related ? e.message.replace(`items[${e.relatedIndex}]`, `line ${related.line}`) : e.message;
      if (row) await this.reject(row, e.error, message);
    }
    for (const w of result.warnings ?? []) {
      const row = rows[w.index];
      if (row) await this.warn({ ...row, state: w.state, verified: w.verified, reason: w.reason });
    }
  }

  private async reject(row: Row, error: string, reason: string): Promise<void> {
    this.progress.rejected++;
    await this.rejectedOut.write([row.portalUserId, row.vpd, row.employeeNumber, row.line, error, reason]);
  }

  private async warn(warning: ImportWarning): Promise<void> {
    this.progress.attention++;
    const kind = warning.state === 'ACTIVE' || warning.state === 'PENDING_ACTIVATION' ? 'UNVERIFIED' : warning.state;
    this.attentionByState[kind] = (this.attentionByState[kind] ?? 0) + 1;
    if (this.warnings.length < MAX_SHOWN_WARNINGS) this.warnings.push(warning);
    const { portalUserId, vpd, employeeNumber, line, state, verified, reason } = warning;
    await this.attentionOut.write([portalUserId, vpd, employeeNumber, line, state, verified, reason]);
  }
}

function headerIndexes(header: string[], file: string): number[] {
  const names = header.map((h) => h.trim().toLowerCase());
  const indexes = IMPORT_COLUMNS.map((c) => names.indexOf(c.toLowerCase()));
  const missing = IMPORT_COLUMNS.filter((_, i) => indexes[i] < 0);
  if (missing.length)
    throw new CliError(
      `${file} must start with the header ${IMPORT_COLUMNS.join(',')} (missing: ${missing.join(', ')}; found: ${header.join(',')}).`,
      EXIT.USAGE,
    );
  return indexes;
}
