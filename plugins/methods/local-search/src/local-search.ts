import type { Json, NeighbourhoodSpace, Rng } from '@naslab/core';
import { restoreRng, UnseenSampler, type QueryBudget, type SearchCheckpoint, type StopReason, type UnseenSamplerSnapshot } from '@naslab/search-kit';

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
 *
 * Its checkpoint state is both streams, the sampler's permutation, the initial samples drawn, the
 * current architecture and the neighbourhood being walked (its shuffled order, how far, its best
 * so far); `saveIfDue` after each query, so a resumed search goes on mid-neighbourhood.
 */
export async function runLocalSearch<A>(space: NeighbourhoodSpace<A>, budget: QueryBudget<A>, rng: Rng, o: LocalSearchOptions, checkpoint?: SearchCheckpoint): Promise<StopReason> {
  type Point = { arch: A; accuracy: number };
  type Walk = { order: A[]; next: number; best: Point | undefined };
  const randomRng = rng.split('random');
  const resumed = checkpoint?.resume((state) => {
    const s = state as { rng?: Json; randomRng?: Json; sampler?: UnseenSamplerSnapshot; initial?: number; current?: SavedPoint | null; walk?: SavedWalk | null };
    const stream = restoreRng(s.rng, rng);
    const samplerStream = restoreRng(s.randomRng, randomRng);
    const sampler = new UnseenSampler(space, budget, samplerStream);
    if (!s.sampler || !Number.isInteger(s.initial)) throw new Error('no sampler or initial count');
    sampler.restore(s.sampler);
    const point = (p: SavedPoint | null | undefined): Point | undefined => {
      if (p === null || p === undefined) return undefined;
      if (typeof p.arch !== 'string' || !Number.isFinite(p.accuracy)) throw new Error('a malformed point');
      return { arch: space.parse(p.arch), accuracy: p.accuracy };
    };
    const w = s.walk;
    if (w && !(Array.isArray(w.order) && Number.isInteger(w.next) && w.next >= 0 && w.next <= w.order.length)) throw new Error('a malformed neighbourhood');
    const walk: Walk | undefined = w ? { order: w.order.map((t) => space.parse(t)), next: w.next, best: point(w.best) } : undefined;
    return { stream, samplerStream, sampler, initial: s.initial!, current: point(s.current), walk };
  });
  const stream = resumed?.stream ?? rng;
  const samplerStream = resumed?.samplerStream ?? randomRng;
  const sampler = resumed?.sampler ?? new UnseenSampler(space, budget, randomRng);
  let initial = resumed?.initial ?? 0;
  let current: Point | undefined = resumed?.current;
  // The neighbourhood of `current` being walked: undefined until its shuffle is drawn.
  let walk: Walk | undefined = resumed?.walk;
  const saved = (p: Point | undefined): SavedPoint | null => (p ? { arch: space.format(p.arch), accuracy: p.accuracy } : null);
  const state = (): Json => ({
    rng: stream.state() as unknown as Json,
    randomRng: samplerStream.state() as unknown as Json,
    sampler: sampler.snapshot() as unknown as Json,
    initial,
    current: saved(current) as Json,
    walk: walk ? { order: walk.order.map((a) => space.format(a)), next: walk.next, best: saved(walk.best) as Json } : null,
  });

  for (; initial < o.initialSamples && !budget.exhausted; ) {
    const arch = sampler.draw();
    if (arch === undefined) return 'space-exhausted';
    const accuracy = await budget.query(arch);
    if (!current || accuracy > current.accuracy) current = { arch, accuracy };
    initial++;
    checkpoint?.saveIfDue(state);
  }
  while (!budget.exhausted && current) {
    walk ??= { order: stream.shuffle(space.neighbours(current.arch)), next: 0, best: undefined };
    while (walk.next < walk.order.length) {
      const n = walk.order[walk.next]!;
      let accuracy = budget.isFresh(n) ? undefined : budget.known(n);
      const fresh = accuracy === undefined;
      if (accuracy === undefined) {
        if (budget.exhausted) return 'budget';
        accuracy = await budget.query(n);
      }
      if (!walk.best || accuracy > walk.best.accuracy) walk.best = { arch: n, accuracy };
      walk.next++;
      if (fresh) checkpoint?.saveIfDue(state);
    }
    const best = walk.best;
    walk = undefined;
    if (best && best.accuracy > current.accuracy) {
      current = best;
      continue;
    }
    if (budget.exhausted) break;
    const restart = sampler.draw();
    if (restart === undefined) return 'space-exhausted';
    current = { arch: restart, accuracy: await budget.query(restart) };
    checkpoint?.saveIfDue(state);
  }
  return 'budget';
}

interface SavedPoint {
  readonly arch: string;
  readonly accuracy: number;
}

interface SavedWalk {
  readonly order: string[];
  readonly next: number;
  readonly best: SavedPoint | null;
}
