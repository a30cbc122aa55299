/**
 * The NSGA-Net micro genome as `search/evolution_search.py` bounds it, and the variation
 * operators of `search/nsganet.py` (pymoo 0.3.0): integer random sampling, 2-point crossover,
 * polynomial mutation (η = 3) rounded to integers.
 */
import type { Rng } from '@naslab/core';
import { NSGANET_OPS, type NsganetGenome } from '@naslab/space-nsganet-micro';

/** Upper bounds of the flat genome (lower bounds are 0): per block `op ≤ n_ops−1, in ≤ block+1`, both cells alike. */
export function microGenomeUpperBounds(blocks: number, ops: number = NSGANET_OPS.length): number[] {
  const cell = Array.from({ length: blocks }, (_, b) => [ops - 1, b + 1, ops - 1, b + 1]).flat();
  return [...cell, ...cell];
}

export function genomeFromVector(x: readonly number[]): NsganetGenome {
  const half = x.length / 2;
  return { normal: x.slice(0, half), reduce: x.slice(half) };
}

export function vectorFromGenome(g: NsganetGenome): number[] {
  return [...g.normal, ...g.reduce];
}

/** pymoo `RandomSampling(var_type=int)`: each variable uniform on its integer range. */
export function sampleWithinBounds(upper: readonly number[], rng: Rng): number[] {
  return upper.map((u) => rng.int(u + 1));
}

/** pymoo `PointCrossover(n_points=2)`: two distinct cut points in 1…n−1; the middle segment swaps. */
export function twoPointCrossover(a: readonly number[], b: readonly number[], rng: Rng): [number[], number[]] {
  const n = a.length;
  const [p, q] = rng.sampleWithoutReplacement(n - 1, 2).map((c) => c + 1).sort((u, v) => u - v) as [number, number];
  const c1 = [...a];
  const c2 = [...b];
  for (let i = p; i < q; i++) {
    c1[i] = b[i]!;
    c2[i] = a[i]!;
  }
  return [c1, c2];
}

/**
 * pymoo `PolynomialMutation(eta, var_type=int)`: each variable with probability 1/n gets Deb's
 * bounded polynomial perturbation, then is rounded and clipped to its bounds.
 */
export function polynomialMutation(x: readonly number[], upper: readonly number[], rng: Rng, eta = 3, probability = 1 / x.length): number[] {
  const power = 1 / (eta + 1);
  return x.map((v, i) => {
    const hi = upper[i]!;
    if (hi <= 0 || !(rng.uniform() < probability)) return v;
    const d1 = v / hi;
    const d2 = (hi - v) / hi;
    const r = rng.uniform();
    let dq: number;
    if (r <= 0.5) {
      const val = 2 * r + (1 - 2 * r) * (1 - d1) ** (eta + 1);
      dq = val ** power - 1;
    } else {
      const val = 2 * (1 - r) + 2 * (r - 0.5) * (1 - d2) ** (eta + 1);
      dq = 1 - val ** power;
    }
    return Math.min(hi, Math.max(0, Math.round(v + dq * hi)));
  });
}
