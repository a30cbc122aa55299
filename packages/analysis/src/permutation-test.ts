import { createRng } from './rng.js';

export const DEFAULT_PERMUTATIONS = 10_000;

export interface PermutationOptions {
  /** Number of random relabellings (default 10,000). */
  permutations?: number;
  seed?: number;
}

export interface PermutationResult {
  /** Observed mean(searched) − mean(random). */
  observed: number;
  /** One-sided p for H1: mean(searched) > mean(random), as (k + 1) / (B + 1). */
  pGreater: number;
  /** Two-sided p: |permuted difference| >= |observed|, as (k + 1) / (B + 1). */
  pTwoSided: number;
  permutations: number;
}

/**
 * Monte-Carlo permutation test on the difference of means. Each permutation
 * shuffles the pooled values (Fisher–Yates, seeded xoshiro128**) and splits
 * them into groups of the original sizes. p-values include the observed
 * labelling, p = (k + 1) / (B + 1), so they are never 0.
 */
export function permutationTest(
  searched: readonly number[],
  random: readonly number[],
  options: PermutationOptions = {},
): PermutationResult {
  const B = options.permutations ?? DEFAULT_PERMUTATIONS;
  const n1 = searched.length;
  const n2 = random.length;
  if (n1 === 0 || n2 === 0) {
    return { observed: Number.NaN, pGreater: Number.NaN, pTwoSided: Number.NaN, permutations: B };
  }
  const pooled = Float64Array.from([...searched, ...random]);
  const total = pooled.reduce((a, b) => a + b, 0);
  const diffOf = (sum1: number) => sum1 / n1 - (total - sum1) / n2;
  let sumS = 0;
  for (const v of searched) sumS += v;
  const observed = diffOf(sumS);
  // Tolerance so that floating-point ties with the observed statistic count as "as extreme".
  const tol = 1e-12 * Math.max(1, Math.abs(observed));
  const rng = createRng(options.seed ?? 0);
  let kGreater = 0;
  let kTwo = 0;
  const n = pooled.length;
  for (let b = 0; b < B; b++) {
    // Partial Fisher–Yates: only the first n1 slots need to be drawn.
    let s = 0;
    for (let i = 0; i < n1; i++) {
      const j = i + rng.nextInt(n - i);
      const tmp = pooled[i];
      pooled[i] = pooled[j];
      pooled[j] = tmp;
      s += pooled[i];
    }
    const d = diffOf(s);
    if (d >= observed - tol) kGreater++;
    if (Math.abs(d) >= Math.abs(observed) - tol) kTwo++;
  }
  return {
    observed,
    pGreater: (kGreater + 1) / (B + 1),
    pTwoSided: (kTwo + 1) / (B + 1),
    permutations: B,
  };
}
