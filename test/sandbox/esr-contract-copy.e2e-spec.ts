import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EsrContract, SHARED_CONTRACT_PATH } from './esr-contract';

describe(EsrContract.name, () => {
  // CI clones the repository with shared/ beside it; a bare clone has only the committed copy.
  const sharedExists = existsSync(SHARED_CONTRACT_PATH);

  (sharedExists ? it : it.skip)('should keep docs/contracts identical to the fixed contracts in shared/contracts', () => {
    for (const file of ['esr-api.yaml', 'gateway-api.md']) {
      const copy = path.resolve(__dirname, '../../docs/contracts', file);
      const shared = path.resolve(path.dirname(SHARED_CONTRACT_PATH), file);
      expect(readFileSync(copy, 'utf8')).toBe(readFileSync(shared, 'utf8'));
    }
  });

  it('should compile every response schema of the contract', () => {
    const contract = new EsrContract();
    const paths = contract.doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    const problems: string[] = [];
    for (const [route, operations] of Object.entries(paths)) {
      for (const method of Object.keys(operations)) {
        for (const status of Object.keys(operations[method]?.responses ?? {})) {
          const answer = { status: Number(status), headers: new Headers(), body: {} };
          problems.push(...contract.problems(route, method as 'get' | 'post', answer).filter((p) => p.startsWith('no schema')));
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
