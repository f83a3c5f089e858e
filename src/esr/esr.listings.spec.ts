import type { AxiosResponse } from 'axios';
import { ValidationFailedError } from '../common/errors/domain-error';
import { FetchedPage, checkedPageSize, pageByPage, parseItems, parsePage } from './esr.listings';
import { ContractViolation } from './esr.json-fields';

function answer(body: unknown, headers: Record<string, unknown> = {}): AxiosResponse<string> {
  return { status: 200, headers, data: JSON.stringify(body) } as unknown as AxiosResponse<string>;
}

/** Numbers pass; anything else breaks the contract. */
function parseNumber(item: unknown): number {
  if (typeof item !== 'number') throw new ContractViolation('item: expected a number');
  return item;
}

function fetched(items: number[], nextCursor: string | null): FetchedPage<number> {
  return { page: { items, watermark: 'wm', extractDate: null, skipped: 0 }, nextCursor, skipped: [] };
}

describe('esr.listings', () => {
  describe(parseItems.name, () => {
    it('should keep the items that meet the contract and the reasons for the others', () => {
      expect(parseItems(answer({ items: [1, 'x', 2] }), parseNumber)).toEqual({ items: [1, 2], skipped: ['item: expected a number'] });
      expect(() => parseItems(answer({ nothing: [] }), parseNumber)).toThrow(ContractViolation);
    });
  });

  describe(parsePage.name, () => {
    it('should read items, cursor, watermark and a valid extract date', () => {
      const res = answer({ items: [1, 'x'], nextCursor: 'c2', watermark: 'wm-1' }, { 'x-esr-extract-date': '2026-11-02T06:00:00Z' });
      expect(parsePage(res, parseNumber)).toEqual({
        page: { items: [1], watermark: 'wm-1', extractDate: '2026-11-02T06:00:00Z', skipped: 1 },
        nextCursor: 'c2',
        skipped: ['item: expected a number'],
      });
    });

    it('should leave out an extract date that is not a timestamp', () => {
      const res = answer({ items: [], nextCursor: null, watermark: 'w' }, { 'x-esr-extract-date': 'yesterday' });
      expect(parsePage(res, parseNumber).page.extractDate).toBeNull();
    });
  });

  describe(pageByPage.name, () => {
    it('should fetch a page only when asked for it, following the cursor to the end', async () => {
      const asked: (string | undefined)[] = [];
      const pages = [fetched([1], 'c1'), fetched([2], 'c2'), fetched([3], null)];
      const listing = pageByPage(
        async (cursor) => {
          asked.push(cursor);
          return pages[asked.length - 1];
        },
        () => new Error('repeated'),
      );

      expect(asked).toEqual([]);
      await expect(listing.next()).resolves.toMatchObject({ value: { items: [1] } });
      expect(asked).toEqual([undefined]);
      const rest: number[][] = [];
      for await (const page of listing) rest.push(page.items);
      expect(rest).toEqual([[2], [3]]);
      expect(asked).toEqual([undefined, 'c1', 'c2']);
    });

    it('should stop with the given error when the next cursor repeats the current one', async () => {
      const listing = pageByPage(
        async (cursor) => fetched([1], cursor ?? 'same'),
        () => new Error('repeated'),
      );
      const seen: number[][] = [];
      await expect(
        (async () => {
          for await (const page of listing) seen.push(page.items);
        })(),
      ).rejects.toThrow('repeated');
      expect(seen).toEqual([[1], [1]]);
    });
  });

  describe(checkedPageSize.name, () => {
    it('should take the requested size, else the configured one, from 1 to 1000', () => {
      expect(checkedPageSize(undefined, 500)).toBe(500);
      expect(checkedPageSize(1, 500)).toBe(1);
      expect(checkedPageSize(1000, 500)).toBe(1000);
      for (const bad of [0, 1001, 2.5, Number.NaN]) expect(() => checkedPageSize(bad, 500)).toThrow(ValidationFailedError);
    });
  });
});
