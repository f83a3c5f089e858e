import { existsSync, readFileSync } from 'node:fs';
import { CONTRACT_COPY_PATH, EsrContract, SHARED_CONTRACT_PATH } from './esr-contract';

describe(EsrContract.name, () => {
  // CI clones the repository with shared/ beside it; a bare clone has only the committed copy.
  const sharedExists = existsSync(SHARED_CONTRACT_PATH);

  (sharedExists ? it : it.skip)('should keep test/contracts/esr-api.yaml identical to shared/contracts/esr-api.yaml', () => {
    expect(readFileSync(CONTRACT_COPY_PATH, 'utf8')).toBe(readFileSync(SHARED_CONTRACT_PATH, 'utf8'));
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
