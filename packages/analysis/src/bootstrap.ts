import { quantile } from './descriptive.js';
import { createRng } from './rng.js';

export const DEFAULT_BOOTSTRAP_RESAMPLES = 10_000;
export const DEFAULT_CONFIDENCE = 0.95;

export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 10,000). */
  resamples?: number;
  /** Two-sided confidence level (default 0.95). */
  confidence?: number;
  seed?: number;
}

export interface ConfidenceInterval {
  low: number;
  high: number;
  confidence: number;
  resamples: number;
  method: 'percentile';
}

/**
 * Percentile bootstrap CI of a two-sample statistic. Each resample draws
 * `a.length` values from `a` and `b.length` from `b` with replacement
 * (independently, stratified by group), evaluates `statistic` on the two
 * resample means, and the interval is the (α/2, 1−α/2) quantiles (linear
 * interpolation) of the resampled statistics.
 */
export function bootstrapTwoSampleCi(
  a: readonly number[],
  b: readonly number[],
  statistic: (meanA: number, meanB: number) => number,
  options: BootstrapOptions = {},
): ConfidenceInterval {
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  if (a.length === 0 || b.length === 0) {
    return { low: Number.NaN, high: Number.NaN, confidence, resamples, method: 'percentile' };
  }
  const rng = createRng(options.seed ?? 0);
  const stats = new Float64Array(resamples);
  const resampleMean = (xs: readonly number[]) => {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[rng.nextInt(xs.length)];
    return s / xs.length;
  };
  for (let r = 0; r < resamples; r++) stats[r] = statistic(resampleMean(a), resampleMean(b));
  stats.sort();
  const alpha = 1 - confidence;
  const sorted = Array.from(stats);
  return {
    low: quantile(sorted, alpha / 2),
    high: quantile(sorted, 1 - alpha / 2),
    confidence,
    resamples,
    method: 'percentile',
  };
}
