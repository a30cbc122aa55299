import type { MutableSpace, Rng } from '@naslab/core';
import { UnseenSampler, type QueryBudget, type StopReason } from '@naslab/search-kit';

export interface EvolutionOptions {
  /** P: individuals alive at once. */
  readonly populationSize: number;
  /** S: individuals drawn (with replacement) per tournament. */
  readonly sampleSize: number;
  /** Mutations of the parent tried before giving up on a fresh child (no-repeat mode). */
  readonly mutationAttempts: number;
}

/**
 * Regularized (aging) evolution, Real et al., AAAI 2019, Algorithm 1: fill the population with
 * P random architectures; then repeat: draw S members uniformly with replacement, mutate the
 * best of them, query the child, append it and remove the *oldest* member.
 *
 * Without repeats, a child that was already queried is mutated again from the same parent (up
 * to `mutationAttempts` times); when all attempts hit queried architectures, the child is a
 * random unqueried one.
 */
export async function runRegularizedEvolution<A>(space: MutableSpace<A>, budget: QueryBudget<A>, rng: Rng, o: EvolutionOptions): Promise<StopReason> {
  const sampler = new UnseenSampler(space, budget, rng.split('init'));
  const population: { arch: A; accuracy: number }[] = [];
  while (population.length < o.populationSize && !budget.exhausted) {
    const arch = sampler.draw();
    if (arch === undefined) return 'space-exhausted';
    population.push({ arch, accuracy: await budget.query(arch) });
  }
  while (!budget.exhausted) {
    let parent = population[rng.int(population.length)]!;
    for (let i = 1; i < o.sampleSize; i++) {
      const candidate = population[rng.int(population.length)]!;
      if (candidate.accuracy > parent.accuracy) parent = candidate;
    }
    let child: A | undefined = space.mutate(parent.arch, rng);
    for (let attempt = 1; !budget.isFresh(child) && attempt < o.mutationAttempts; attempt++) child = space.mutate(parent.arch, rng);
    if (!budget.isFresh(child)) child = sampler.draw();
    if (child === undefined) return 'space-exhausted';
    population.push({ arch: child, accuracy: await budget.query(child) });
    population.shift();
  }
  return 'budget';
}
