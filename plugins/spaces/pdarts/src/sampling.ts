/**
 * The random sampler of the P-DARTS baseline in Yang, Esperança & Carlucci, "NAS evaluation is
 * frustratingly hard" (ICLR 2020). antoyang/NAS-Benchmark `PDARTS/README.md` ("Generate a Random
 * Architecture") gives no code: "Same as DARTS, with the restriction of 2 skip-connections maximum
 * for a given architecture". So: the DARTS sampler of `@naslab/space-darts` (its `released-code`
 * mode by default), redrawn until the restriction holds (rejection sampling, i.e. the DARTS
 * distribution conditioned on the restriction).
 *
 * Which cells the restriction counts is not written down. The default is P-DARTS' own rule, which
 * the benchmark's P-DARTS search applies to the normal cell only (`PDARTS/train_search.py`
 * l.274-288); `each-cell` and `architecture` (both cells together, the README's literal wording)
 * are options.
 */
import type { Rng } from '@naslab/core';
import { sampleGenotype, type DartsSampling, type Genotype } from '@naslab/space-darts';

export const PDARTS_SKIP_LIMITS = ['normal', 'each-cell', 'architecture'] as const;
export type PdartsSkipLimit = (typeof PDARTS_SKIP_LIMITS)[number];

export interface PdartsSampling {
  /** How the DARTS sampler draws an edge's op: `released-code` (7 ops, no `none`) or `uniform-8`. */
  readonly ops: DartsSampling;
  /** At most this many `skip_connect` edges (P-DARTS: 2). */
  readonly maxSkipConnects: number;
  /** Where they are counted: the normal cell, each cell, or both cells together. */
  readonly skipLimit: PdartsSkipLimit;
}

export const PDARTS_SAMPLING: PdartsSampling = { ops: 'released-code', maxSkipConnects: 2, skipLimit: 'normal' };

/** Draws after which `samplePdartsGenotype` gives up (only a limit below any sensible one needs more). */
const MAX_DRAWS = 100_000;

export function skipConnectCount(edges: Genotype['normal']): number {
  return edges.filter(([op]) => op === 'skip_connect').length;
}

/** Whether `g` satisfies the restriction of `o`. */
export function withinSkipLimit(g: Genotype, o: PdartsSampling): boolean {
  const normal = skipConnectCount(g.normal);
  const reduce = skipConnectCount(g.reduce);
  switch (o.skipLimit) {
    case 'normal':
      return normal <= o.maxSkipConnects;
    case 'each-cell':
      return normal <= o.maxSkipConnects && reduce <= o.maxSkipConnects;
    case 'architecture':
      return normal + reduce <= o.maxSkipConnects;
  }
}

/** One genotype: DARTS draws (both cells) until the skip-connect restriction holds. Deterministic in `rng`. */
export function samplePdartsGenotype(rng: Rng, o: PdartsSampling = PDARTS_SAMPLING): Genotype {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const g = sampleGenotype(rng, o.ops);
    if (withinSkipLimit(g, o)) return g;
  }
  throw new Error(`pdarts: no genotype with at most ${o.maxSkipConnects} skip-connects (${o.skipLimit}) in ${MAX_DRAWS} draws`);
}
