import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const DOC = join(ROOT, 'docs/portal-integration.md');
const EXAMPLES = join(ROOT, 'clients/typescript/examples');

/** Removes the indentation every non-empty line shares. */
function dedent(text: string): string {
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** The `// #region name` ... `// #endregion name` blocks of a source file, dedented. */
export function regionsOf(source: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of source.matchAll(/^[ \t]*\/\/ #region (\S+)\n([\s\S]*?)^[ \t]*\/\/ #endregion \1\n/gm)) {
    found.set(m[1], dedent(m[2]).replace(/\n+$/, ''));
  }
  return found;
}

/** The ```ts blocks of a markdown page. */
export function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)\n```$/gm)].map((m) => m[1]);
}

/** Blocks that are no region of the examples (so were never compiled nor run). */
export function unbackedBlocks(blocks: string[], regions: Map<string, string>): string[] {
  const known = new Set(regions.values());
  return blocks.filter((block) => !known.has(block));
}

describe('docs/portal-integration.md', () => {
  const doc = readFileSync(DOC, 'utf8');
  const regions = new Map(
    readdirSync(EXAMPLES)
      .filter((name) => name.endsWith('.ts'))
      .flatMap((name) => [...regionsOf(readFileSync(join(EXAMPLES, name), 'utf8'))]),
  );

  it('should show only TypeScript that is a region of the examples (type-checked and run by test/clients)', () => {
    const blocks = tsBlocks(doc);
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    expect(unbackedBlocks(blocks, regions)).toEqual([]);
  });

  it('should show every region of the examples', () => {
    const blocks = new Set(tsBlocks(doc));
    expect([...regions].filter(([, text]) => !blocks.has(text)).map(([name]) => name)).toEqual([]);
  });

  it("should say what to do about every error code of the contract's conventions", () => {
    const contract = readFileSync(join(ROOT, 'docs/contracts/gateway-api.md'), 'utf8');
    const errors = /^- Errors:([\s\S]*?)^- Identifiers:/m.exec(contract)?.[1] ?? '';
    const codes = [...new Set([...errors.matchAll(/`([A-Z][A-Z_]{3,})`/g)].map((m) => m[1]))];
    expect(codes.length).toBeGreaterThanOrEqual(18);
    const rows = new Set([...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
    expect(codes.filter((code) => !rows.has(code))).toEqual([]);
  });

  it('should notice a snippet that is not in the examples (the check is live)', () => {
    const sample = regionsOf('  // #region a\n  const x = 1;\n  // #endregion a\n');
    expect(unbackedBlocks(['const x = 1;', 'const x = 2;'], sample)).toEqual(['const x = 2;']);
  });
});
