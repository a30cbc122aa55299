/**
 * Rank statistics between two paired score lists (e.g. the same architectures
 * trained with seed A and seed B, or with 8 and 20 cells).
 */
import { type BootstrapOptions, type ConfidenceInterval, DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_CONFIDENCE } from './bootstrap.js';
import { quantile } from './descriptive.js';
import { createRng } from './rng.js';

function assertPaired(x: readonly number[], y: readonly number[]): void {
  if (x.length !== y.length) throw new Error(`paired lists differ in length: ${x.length} vs ${y.length}`);
}

/** A NaN makes a rank statistic undefined (it has no rank; comparisons with it are all false). */
function anyNaN(x: readonly number[], y: readonly number[]): boolean {
  return x.some(Number.isNaN) || y.some(Number.isNaN);
}

/**
 * Ranks 1..n with ties given their average rank (scipy's `rankdata` "average").
 * Ascending by default (rank 1 = smallest); `descending` makes rank 1 the best score.
 */
export function averageRanks(values: readonly number[], descending = false): number[] {
  const idx = values.map((_, i) => i);
  idx.sort((a, b) => (descending ? values[b] - values[a] : values[a] - values[b]));
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && values[idx[j + 1]] === values[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]] = avg;
    i = j + 1;
  }
  return ranks;
}

/**
 * Kendall's τ-b (tie-corrected): (C − D) / sqrt((n0 − n1)(n0 − n2)) with n0 = n(n−1)/2,
 * n1 / n2 the pairs tied in x / y. O(n²), fine for the few hundred architectures of a study.
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  assertPaired(x, y);
  if (anyNaN(x, y)) return Number.NaN;
  const n = x.length;
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0) tiesX++;
      if (dy === 0) tiesY++;
      const s = dx * dy;
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const denom = Math.sqrt((n0 - tiesX) * (n0 - tiesY));
  return denom === 0 ? Number.NaN : (concordant - discordant) / denom;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  const d = Math.sqrt(sxx * syy);
  return d === 0 ? Number.NaN : sxy / d;
}

/** Spearman's ρ: Pearson correlation of the average ranks (ties get average ranks); NaN on NaN input. */
export function spearmanRho(x: readonly number[], y: readonly number[]): number {
  assertPaired(x, y);
  if (anyNaN(x, y)) return Number.NaN;
  return pearson(averageRanks(x), averageRanks(y));
}

export interface RankShift {
  /** Index of the item whose rank moved most (first such item on ties). */
  index: number;
  /** |rankA − rankB| (average ranks, rank 1 = best score). */
  shift: number;
  rankA: number;
  rankB: number;
}

/** The item whose rank changes most between the two score lists (rank 1 = best). */
export function largestRankShift(x: readonly number[], y: readonly number[]): RankShift {
  assertPaired(x, y);
  if (anyNaN(x, y)) return { index: -1, shift: Number.NaN, rankA: Number.NaN, rankB: Number.NaN };
  const ra = averageRanks(x, true);
  const rb = averageRanks(y, true);
  let best: RankShift = { index: -1, shift: Number.NaN, rankA: Number.NaN, rankB: Number.NaN };
  for (let i = 0; i < ra.length; i++) {
    const shift = Math.abs(ra[i] - rb[i]);
    if (best.index < 0 || shift > best.shift) best = { index: i, shift, rankA: ra[i], rankB: rb[i] };
  }
  return best;
}

export interface RankComparison {
  n: number;
  kendallTauB: number;
  spearmanRho: number;
  largestShift: RankShift;
  /** Ranks (1 = best) under each condition, for slope charts. */
  ranksA: number[];
  ranksB: number[];
}

export function compareRankings(x: readonly number[], y: readonly number[]): RankComparison {
  return {
    n: x.length,
    kendallTauB: kendallTauB(x, y),
    spearmanRho: spearmanRho(x, y),
    largestShift: largestRankShift(x, y),
    ranksA: averageRanks(x, true),
    ranksB: averageRanks(y, true),
  };
}

/**
 * Percentile bootstrap CI of Kendall's τ-b between paired scores: each resample draws n pairs
 * with replacement (the pairs stay pairs), resamples where τ-b is undefined (all tied) are left
 * out. NaN bounds with fewer than 3 pairs or NaN input.
 */
export function bootstrapKendallTauCi(
  x: readonly number[],
  y: readonly number[],
  options: BootstrapOptions = {},
): ConfidenceInterval {
  assertPaired(x, y);
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const none: ConfidenceInterval = { low: Number.NaN, high: Number.NaN, confidence, resamples, method: 'percentile' };
  const n = x.length;
  if (n < 3 || anyNaN(x, y)) return none;
  const rng = createRng(options.seed ?? 0);
  const taus: number[] = [];
  const xs = new Array<number>(n);
  const ys = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const k = rng.nextInt(n);
      xs[i] = x[k];
      ys[i] = y[k];
    }
    const tau = kendallTauB(xs, ys);
    if (!Number.isNaN(tau)) taus.push(tau);
  }
  if (taus.length === 0) return none;
  taus.sort((a, b) => a - b);
  const alpha = 1 - confidence;
  return { low: quantile(taus, alpha / 2), high: quantile(taus, 1 - alpha / 2), confidence, resamples, method: 'percentile' };
}
