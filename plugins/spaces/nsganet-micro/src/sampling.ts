/**
 * Random NSGA-Net genomes.
 *
 * `released-code` (default): the benchmark's NSGA-Net random baseline (antoyang/NAS-Benchmark
 * `NSGANET/README.md` l.5-19): `ops = randint(0, 8, 16)` (ids 0–7: `conv_7x1_1x7`, id 8, is never
 * drawn), **4 blocks** per cell, and block k draws its two inputs with
 * `choice(range(k + 2), size=2, replace=False)`: two **distinct** states, uniform over ordered
 * pairs. Normal block k gets ops 2k, 2k+1, reduction block k ops 8+2k, 9+2k; the links are drawn
 * after the ops, the normal cell's first.
 *
 * `uniform`: the space the NSGA-Net search explores (`evolution_search.py`: `n_blocks=5`,
 * `n_ops=9`, random integer sampling within the bounds): 5 blocks, ops uniform over 0–8, each
 * input uniform over 0 … b+1, with repeats.
 */
import type { Rng } from '@naslab/core';
import { NSGANET_OPS, NSGANET_SAMPLER_BLOCKS, NSGANET_SEARCH_BLOCKS, type NsganetGenome } from './genome.js';

export const NSGANET_SAMPLERS = ['released-code', 'uniform'] as const;
export type NsganetSampler = (typeof NSGANET_SAMPLERS)[number];

/** `numpy.random.choice(n, 2, replace=False)`: an ordered pair of distinct values, uniform. */
function distinctPair(rng: Rng, n: number): [number, number] {
  const a = rng.int(n);
  let b = rng.int(n - 1);
  if (b >= a) b++;
  return [a, b];
}

function sampleReleasedCode(rng: Rng): NsganetGenome {
  const ops = Array.from({ length: 16 }, () => rng.int(8));
  const links = (['normal', 'reduce'] as const).map(() => Array.from({ length: NSGANET_SAMPLER_BLOCKS }, (_, k) => distinctPair(rng, k + 2)));
  const cell = (c: 0 | 1) => links[c]!.flatMap(([i1, i2], k) => [ops[8 * c + 2 * k]!, i1, ops[8 * c + 2 * k + 1]!, i2]);
  return { normal: cell(0), reduce: cell(1) };
}

function sampleUniform(rng: Rng): NsganetGenome {
  const cell = () => Array.from({ length: NSGANET_SEARCH_BLOCKS }, (_, b) => [rng.int(NSGANET_OPS.length), rng.int(b + 2), rng.int(NSGANET_OPS.length), rng.int(b + 2)]).flat();
  const normal = cell();
  return { normal, reduce: cell() };
}

/** One genome; deterministic in `rng`. */
export function sampleNsganetGenome(rng: Rng, sampler: NsganetSampler = 'released-code'): NsganetGenome {
  return sampler === 'released-code' ? sampleReleasedCode(rng) : sampleUniform(rng);
}
