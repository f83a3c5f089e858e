import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const PAGE = 'docs/operations.md';

/** The alerts a PrometheusRule template defines (`- alert: Name`). */
export function alertsOf(template: string): string[] {
  return [...template.matchAll(/^\s*- alert: (\w+)\s*$/gm)].map((m) => m[1]);
}

/** The `### Name` sections under `## Runbooks`, each with its text. */
export function runbooksOf(markdown: string): Map<string, string> {
  const start = markdown.indexOf('\n## Runbooks\n');
  if (start < 0) return new Map();
  const rest = markdown.slice(start + 1);
  const next = rest.slice(1).search(/\n## /);
  const section = next < 0 ? rest : rest.slice(0, next + 1);
  return new Map([...section.matchAll(/^### (\S+)\n([\s\S]*?)(?=^### |(?![\s\S]))/gm)].map((m) => [m[1], m[2]]));
}

/** GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const anchorsOf = (markdown: string) => new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1])));

/** Relative links of a page (`](path#anchor)` and `](#anchor)`) that lead nowhere, resolved from `page`. */
export function brokenLinks(page: string, markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((link) => !/^[a-z]+:/.test(link))
    .filter((link) => {
      const [file, anchor] = link.split('#');
      const target = file ? join(dirname(page), file) : null;
      if (target && !existsSync(join(ROOT, target))) return true;
      if (anchor === undefined) return false;
      return !(target ? anchorsOf(read(target)) : anchorsOf(markdown)).has(anchor);
    });
}

/** Upper-case names in backticks (variables, states, error codes, audit types) a page defines or uses. */
function upperCaseNames(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/`([A-Z][A-Z0-9_]+)(?:=[^`]*)?`/g)].map((m) => m[1]));
}

describe(PAGE, () => {
  const page = read(PAGE);

  it('should have a runbook for every alert of the chart, and none for an alert that does not exist', () => {
    const alerts = alertsOf(read('helm/esr-gateway/templates/prometheusrule.yaml'));
    const runbooks = runbooksOf(page);
    expect(alerts.length).toBeGreaterThan(5);
    expect([...runbooks.keys()].sort()).toEqual([...alerts].sort());
  });

  it('should say in every runbook what the alert means, what to check first and how to fix it', () => {
    for (const [alert, text] of runbooksOf(page)) {
      expect({
        alert,
        means: /\*\*Means\*\*/.test(text),
        checks: /\*\*First checks\*\*/.test(text),
        fixes: /\*\*Fixes\*\*/.test(text),
      }).toEqual({
        alert,
        means: true,
        checks: true,
        fixes: true,
      });
    }
  });

  it('should name only variables, states and error codes that the contract or the README names', () => {
    const known = new Set([...upperCaseNames(read('docs/contracts/gateway-api.md')), ...upperCaseNames(read('README.md'))]);
    // Not the gateway's own: the command line's variables and the standard proxy variables.
    const others = new Set(['ESR_GATEWAY_URL', 'ESR_GATEWAY_KEY', 'HTTPS_PROXY', 'NO_PROXY']);
    const named = [...upperCaseNames(page)].filter((name) => name.includes('_') && !others.has(name));
    const unknown = named.filter((name) => !known.has(name) && !known.has(name.replace(/_FILE$/, '')));
    expect(named.length).toBeGreaterThan(20);
    expect(unknown).toEqual([]);
  });

  it('should link only to files and headings that exist, and be linked from the README and deployment.md', () => {
    expect(brokenLinks(PAGE, page)).toEqual([]);
    expect(read('README.md')).toContain('](docs/operations.md');
    expect(read('docs/deployment.md')).toContain('](operations.md');
  });

  it('should notice a missing runbook, a broken link and an unknown anchor (the checks are live)', () => {
    const markdown =
      '# Page\n\n## Runbooks\n\n### AlertA\n\n- **Means**: a.\n\n## After\n\n[x](#page) [y](#nowhere) [z](no-such-file.md)\n';
    expect([...runbooksOf(markdown).keys()]).toEqual(['AlertA']);
    expect(brokenLinks(PAGE, markdown)).toEqual(['#nowhere', 'no-such-file.md']);
    expect(alertsOf('      rules:\n        - alert: AlertA\n        - alert: AlertB\n')).toEqual(['AlertA', 'AlertB']);
    expect(anchorOf('ESR private key (`private_key_jwt`)')).toBe('esr-private-key-private_key_jwt');
    expect(anchorOf('Redis: a cache the gateway rebuilds')).toBe('redis-a-cache-the-gateway-rebuilds');
  });
});
