import { EsrBudgetAnswer, EsrBudgetLane, EsrBudgetPlace, EsrBudgetRule, EsrBudgetStore } from '../../src/role-store/esr-budget';

export interface EsrBudgetSubject {
  budget: EsrBudgetStore;
  /** Lets time pass (a fake clock, or a real wait for Redis). */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** The rule every case uses: 5 in any 300 ms, the sync 4 of them. */
export const CONTRACT_RULE: EsrBudgetRule = { limit: 5, reservePercent: 20, windowMs: 300, holdMs: 5000, replicas: 2 };

/** Takes `n` places in a lane; fails the test if one is refused. */
export async function takeAll(
  budget: EsrBudgetStore,
  n: number,
  lane: EsrBudgetLane = 'sync',
  rule = CONTRACT_RULE,
): Promise<EsrBudgetPlace[]> {
  const places: EsrBudgetPlace[] = [];
  for (let i = 0; i < n; i++) {
    const answer = await budget.take(lane, rule);
    if (!answer.granted) throw new Error(`take ${i + 1} of ${n} was refused`);
    places.push(answer.place);
  }
  return places;
}

const refusal = (answer: EsrBudgetAnswer) => (answer.granted ? undefined : answer.retryInMs);

/** One contract for every EsrBudgetStore: the in-process log and the Redis window. */
export function esrBudgetContract(name: string, create: () => Promise<EsrBudgetSubject>): void {
  describe(`${name} (ESR budget contract)`, () => {
    let subject: EsrBudgetSubject;
    beforeEach(async () => {
      subject = await create();
    });
    afterEach(async () => {
      await subject.close();
    });

    it('should grant places at once up to the limit, then refuse with the wait until one frees', async () => {
      const { budget } = subject;
      const places = await takeAll(budget, 5, 'interactive');
      places.forEach((place) => place.finish());
      const refused = await budget.take('interactive', CONTRACT_RULE);
      expect(refused).toMatchObject({ granted: false, used: 5 });
      expect(refusal(refused)).toBeGreaterThan(0);
      expect(refusal(refused)).toBeLessThanOrEqual(CONTRACT_RULE.windowMs);
    });

    it('should keep the interactive reserve: the sync gets its share, interactive calls the rest', async () => {
      const { budget } = subject;
      await takeAll(budget, 4, 'sync');
      await expect(budget.take('sync', CONTRACT_RULE)).resolves.toMatchObject({ granted: false });
      await expect(budget.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: true, used: 5 });
      await expect(budget.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: false });
    });

    it('should hold a place until one window after its answer, however long the call took', async () => {
      const { budget, advance } = subject;
      const places = await takeAll(budget, 5, 'interactive');
      await advance(CONTRACT_RULE.windowMs + 100); // still in flight: still held
      await expect(budget.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: false });
      places.forEach((place) => place.finish());
      await expect(budget.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: false });
      await advance(CONTRACT_RULE.windowMs + 100);
      await takeAll(budget, 5, 'interactive');
    });

    it('should free places by time alone, a window after their answers', async () => {
      const { budget, advance } = subject;
      (await takeAll(budget, 3, 'sync')).forEach((place) => place.finish());
      await expect(budget.take('interactive', CONTRACT_RULE)).resolves.toMatchObject({ granted: true, used: 4 });
      await advance(CONTRACT_RULE.windowMs + 100);
      // The three answered places have freed; the interactive one is still in flight.
      await expect(budget.take('sync', CONTRACT_RULE)).resolves.toMatchObject({ granted: true, used: 2 });
    });
  });
}
