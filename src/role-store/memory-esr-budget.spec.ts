import { esrBudgetContract } from '../../test/role-store/esr-budget.contract';
import { MemoryEsrBudget } from './memory-esr-budget';

esrBudgetContract(MemoryEsrBudget.name, async () => {
  let now = 1_000;
  return {
    budget: new MemoryEsrBudget(() => now),
    advance: async (ms: number) => {
      now += ms;
    },
    close: async () => undefined,
  };
});
