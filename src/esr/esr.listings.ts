import type { Logger } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import { ValidationFailedError } from '../common/errors/domain-error';
import type { EsrEndpointName, EsrMetrics } from './esr.metrics';
import type { EsrPage } from './esr.types';
import { isIsoDateTime, parseEach } from './esr.json-fields';
import { itemsOf, pagedEnvelope, parseJson } from './esr.validation';

/*
 * Answers that are lists: one answer (`items`) or a listing page by page (`items`, `nextCursor`,
 * `watermark`). Items that break the contract are left out and their reasons returned (and reported).
 */

/** The items of a one-answer list, item by item. */
export function parseItems<T>(res: AxiosResponse<string>, parseItem: (item: unknown) => T): { items: T[]; skipped: string[] } {
  const reasons: string[] = [];
  return { items: parseEach(itemsOf(parseJson(res.data)), parseItem, reasons), skipped: reasons };
}

/** ESR's `X-ESR-Extract-Date` of an answer (ISO-8601 with offset), or null when absent or not a timestamp. */
export function extractDateOf(res: AxiosResponse<string>): string | null {
  const value = res.headers['x-esr-extract-date'] as unknown;
  return isIsoDateTime(value) ? value : null;
}

/** One page of a listing as ESR sent it: the page, where the next one starts (null: none) and why items were skipped. */
export interface FetchedPage<T> {
  page: EsrPage<T>;
  nextCursor: string | null;
  skipped: string[];
}

/** Reads one page of a listing (`items`, `nextCursor`, `watermark`, `X-ESR-Extract-Date`), item by item. */
export function parsePage<T>(res: AxiosResponse<string>, parseItem: (item: unknown) => T): FetchedPage<T> {
  const envelope = pagedEnvelope(parseJson(res.data));
  const reasons: string[] = [];
  const items = parseEach(envelope.items, parseItem, reasons);
  return {
    page: {
      items,
      watermark: envelope.watermark,
      extractDate: extractDateOf(res),
      skipped: reasons.length,
    },
    nextCursor: envelope.nextCursor,
    skipped: reasons,
  };
}

/**
 * A listing page by page: `fetchPage(cursor)` is called only when the iteration asks for the next
 * page (undefined for the first), until ESR says there is none. A next cursor equal to the current
 * one would loop for ever: `repeatedCursor()` is thrown instead.
 */
export async function* pageByPage<T>(
  fetchPage: (cursor: string | undefined) => Promise<FetchedPage<T>>,
  repeatedCursor: () => Error,
): AsyncGenerator<EsrPage<T>, void, undefined> {
  let cursor: string | undefined;
  for (;;) {
    const { page, nextCursor } = await fetchPage(cursor);
    yield page;
    if (nextCursor === null) return;
    if (nextCursor === cursor) throw repeatedCursor();
    cursor = nextCursor;
  }
}

/** The page size to ask ESR for: the caller's, else the configured one; 1 to 1000. */
export function checkedPageSize(requested: number | undefined, configured: number): number {
  const size = requested ?? configured;
  if (!Number.isInteger(size) || size < 1 || size > 1000)
    throw new ValidationFailedError('The ESR page size must be 1 to 1000.', [
      { field: 'pageSize', message: 'must be an integer from 1 to 1000' },
    ]);
  return size;
}

/** Counts and logs (reasons only, at most five distinct) the items of one answer that were left out. */
export function reportSkipped(
  metrics: EsrMetrics,
  logger: Logger,
  endpoint: EsrEndpointName,
  vpd: string | undefined,
  reasons: string[],
): void {
  if (reasons.length === 0) return;
  metrics.skippedItems.inc({ endpoint }, reasons.length);
  const distinct = [...new Set(reasons)];
  logger.warn(
    `ESR ${endpoint}${vpd ? ` for VPD ${vpd}` : ''}: skipped ${reasons.length} item(s) that break the contract: ` +
      `${distinct.slice(0, 5).join('; ')}${distinct.length > 5 ? `; and ${distinct.length - 5} more reason(s)` : ''}`,
  );
}
