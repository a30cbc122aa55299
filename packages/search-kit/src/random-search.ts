import type { Json, Rng, SearchSpace } from '@naslab/core';
import type { QueryBudget, StopReason } from './query-budget.js';
import { restoreRng, type SearchCheckpoint } from './search-checkpoint.js';
import { UnseenSampler, type UnseenSamplerSnapshot } from './unseen-sampler.js';

/**
 * Budget-matched random search (Li & Talwalkar, UAI 2019, as the NAS baselines of NB201 and
 * NASLib run it): query uniformly drawn, distinct architectures until the budget is spent or
 * the space is exhausted; the best queried one wins. The `random-search` method, and the baseline
 * other methods' tests compare with.
 *
 * Its checkpoint state is the stream and the sampler's permutation; `saveIfDue` after each query.
 */
export async function runRandomSearch<A>(space: SearchSpace<A>, budget: QueryBudget<A>, rng: Rng, checkpoint?: SearchCheckpoint): Promise<StopReason> {
  const resumed = checkpoint?.resume((state) => {
    const s = state as { rng?: Json; sampler?: UnseenSamplerSnapshot };
    const stream = restoreRng(s.rng, rng);
    const sampler = new UnseenSampler(space, budget, stream);
    if (!s.sampler) throw new Error('no sampler state');
    sampler.restore(s.sampler);
    return { stream, sampler };
  });
  const stream = resumed?.stream ?? rng;
  const sampler = resumed?.sampler ?? new UnseenSampler(space, budget, rng);
  const state = (): Json => ({ rng: stream.state() as unknown as Json, sampler: sampler.snapshot() as unknown as Json });
  while (!budget.exhausted) {
    const arch = sampler.draw();
    if (arch === undefined) return 'space-exhausted';
    await budget.query(arch);
    checkpoint?.saveIfDue(state);
  }
  return 'budget';
}
