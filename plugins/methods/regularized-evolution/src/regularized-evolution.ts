import type { Json, MutableSpace, Rng } from '@naslab/core';
import { restoreRng, UnseenSampler, type QueryBudget, type SearchCheckpoint, type StopReason, type UnseenSamplerSnapshot } from '@naslab/search-kit';

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
 *
 * Its checkpoint state is both streams, the sampler's permutation and the population (text form
 * and accuracy, oldest first); `saveIfDue` after each query, once the population is updated.
 */
export async function runRegularizedEvolution<A>(space: MutableSpace<A>, budget: QueryBudget<A>, rng: Rng, o: EvolutionOptions, checkpoint?: SearchCheckpoint): Promise<StopReason> {
  const initRng = rng.split('init');
  const resumed = checkpoint?.resume((state) => {
    const s = state as { rng?: Json; initRng?: Json; sampler?: UnseenSamplerSnapshot; population?: { arch: string; accuracy: number }[] };
    const stream = restoreRng(s.rng, rng);
    const samplerStream = restoreRng(s.initRng, initRng);
    const sampler = new UnseenSampler(space, budget, samplerStream);
    if (!s.sampler || !Array.isArray(s.population) || s.population.length > o.populationSize) throw new Error('no sampler or population');
    sampler.restore(s.sampler);
    const population = s.population.map((m) => {
      if (typeof m?.arch !== 'string' || !Number.isFinite(m.accuracy)) throw new Error('a malformed population member');
      return { arch: space.parse(m.arch), accuracy: m.accuracy };
    });
    return { stream, samplerStream, sampler, population };
  });
  const stream = resumed?.stream ?? rng;
  const samplerRng = resumed?.samplerStream ?? initRng;
  const sampler = resumed?.sampler ?? new UnseenSampler(space, budget, initRng);
  const population: { arch: A; accuracy: number }[] = resumed?.population ?? [];
  const state = (): Json => ({
    rng: stream.state() as unknown as Json,
    initRng: samplerRng.state() as unknown as Json,
    sampler: sampler.snapshot() as unknown as Json,
    population: population.map((m) => ({ arch: space.format(m.arch), accuracy: m.accuracy })),
  });
  while (population.length < o.populationSize && !budget.exhausted) {
    const arch = sampler.draw();
    if (arch === undefined) return 'space-exhausted';
    population.push({ arch, accuracy: await budget.query(arch) });
    checkpoint?.saveIfDue(state);
  }
  while (!budget.exhausted) {
    let parent = population[stream.int(population.length)]!;
    for (let i = 1; i < o.sampleSize; i++) {
      const candidate = population[stream.int(population.length)]!;
      if (candidate.accuracy > parent.accuracy) parent = candidate;
    }
    let child: A | undefined = space.mutate(parent.arch, stream);
    for (let attempt = 1; !budget.isFresh(child) && attempt < o.mutationAttempts; attempt++) child = space.mutate(parent.arch, stream);
    if (!budget.isFresh(child)) child = sampler.draw();
    if (child === undefined) return 'space-exhausted';
    population.push({ arch: child, accuracy: await budget.query(child) });
    population.shift();
    checkpoint?.saveIfDue(state);
  }
  return 'budget';
}
