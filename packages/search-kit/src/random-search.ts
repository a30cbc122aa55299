import type { Rng, SearchSpace } from '@naslab/core';
import type { QueryBudget, StopReason } from './query-budget.js';
import { UnseenSampler } from './unseen-sampler.js';

/**
 * Budget-matched random search (Li & Talwalkar, UAI 2019, as the NAS baselines of NB201 and
 * NASLib run it): query uniformly drawn, distinct architectures until the budget is spent or
 * the space is exhausted; the best queried one wins. The `random-search` method, and the baseline
 * other methods' tests compare with.
 */
export async function runRandomSearch<A>(space: SearchSpace<A>, budget: QueryBudget<A>, rng: Rng): Promise<StopReason> {
  const sampler = new UnseenSampler(space, budget, rng);
  while (!budget.exhausted) {
    const arch = sampler.draw();
    if (arch === undefined) return 'space-exhausted';
    await budget.query(arch);
  }
  return 'budget';
}
