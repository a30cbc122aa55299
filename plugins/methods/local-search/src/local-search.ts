import type { NeighbourhoodSpace, Rng } from '@naslab/core';
import { UnseenSampler, type QueryBudget, type StopReason } from '@naslab/search-kit';

export interface LocalSearchOptions {
  /** Random architectures queried first; the search starts from the best of them. */
  readonly initialSamples: number;
}

/**
 * Local search as in White, Nolen, Nolen & Savani, "Exploring the loss landscape in neural
 * architecture search" (UAI 2021), NASLib's `LocalSearch`: query `initialSamples` random
 * architectures and start from the best; query its whole neighbourhood (in random order); move
 * to the best neighbour if it beats the current architecture, otherwise (a local optimum)
 * restart from a new random architecture. Neighbours queried before are not queried again:
 * their known accuracy takes part in the comparison for free.
 */
export async function runLocalSearch<A>(space: NeighbourhoodSpace<A>, budget: QueryBudget<A>, rng: Rng, o: LocalSearchOptions): Promise<StopReason> {
  const sampler = new UnseenSampler(space, budget, rng.split('random'));
  let current: { arch: A; accuracy: number } | undefined;
  for (let i = 0; i < o.initialSamples && !budget.exhausted; i++) {
    const arch = sampler.draw();
    if (arch === undefined) return 'space-exhausted';
    const accuracy = await budget.query(arch);
    if (!current || accuracy > current.accuracy) current = { arch, accuracy };
  }
  while (!budget.exhausted && current) {
    let best: { arch: A; accuracy: number } | undefined;
    for (const n of rng.shuffle(space.neighbours(current.arch))) {
      let accuracy = budget.isFresh(n) ? undefined : budget.known(n);
      if (accuracy === undefined) {
        if (budget.exhausted) return 'budget';
        accuracy = await budget.query(n);
      }
      if (!best || accuracy > best.accuracy) best = { arch: n, accuracy };
    }
    if (best && best.accuracy > current.accuracy) {
      current = best;
      continue;
    }
    if (budget.exhausted) break;
    const restart = sampler.draw();
    if (restart === undefined) return 'space-exhausted';
    current = { arch: restart, accuracy: await budget.query(restart) };
  }
  return 'budget';
}
