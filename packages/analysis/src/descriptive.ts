/**
 * Descriptive statistics. Standard deviations use ddof = 1 (the sample,
 * Bessel-corrected standard deviation) unless another ddof is passed.
 * numpy's `np.std` defaults to ddof = 0, pandas' `.std()` to ddof = 1.
 */

export const DEFAULT_DDOF = 1;

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export function variance(values: readonly number[], ddof: number = DEFAULT_DDOF): number {
  const n = values.length;
  if (n - ddof <= 0) return Number.NaN;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return ss / (n - ddof);
}

export function std(values: readonly number[], ddof: number = DEFAULT_DDOF): number {
  return Math.sqrt(variance(values, ddof));
}

export interface Summary {
  n: number;
  mean: number;
  /** Standard deviation with the `ddof` recorded alongside. */
  std: number;
  ddof: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[], ddof: number = DEFAULT_DDOF): Summary {
  return {
    n: values.length,
    mean: mean(values),
    std: std(values, ddof),
    ddof,
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** Percentile with linear interpolation between order statistics (numpy's default, "linear"). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
