import { mean, variance } from './descriptive.js';
import { studentTCdf, studentTSurvival } from './student-t.js';

export interface WelchResult {
  /** t statistic for mean(searched) − mean(random). */
  t: number;
  /** Welch–Satterthwaite degrees of freedom (fractional). */
  df: number;
  /** One-sided p for H1: mean(searched) > mean(random) ("the method beats random sampling"). */
  pGreater: number;
  /** Two-sided p for H1: the means differ. */
  pTwoSided: number;
}

/**
 * Welch's unequal-variance t-test of `searched` against `random`.
 * Needs at least two values per group; returns NaNs otherwise or when both
 * groups have zero variance.
 */
export function welchTTest(searched: readonly number[], random: readonly number[]): WelchResult {
  const n1 = searched.length;
  const n2 = random.length;
  const nan: WelchResult = { t: Number.NaN, df: Number.NaN, pGreater: Number.NaN, pTwoSided: Number.NaN };
  if (n1 < 2 || n2 < 2) return nan;
  const v1 = variance(searched, 1) / n1;
  const v2 = variance(random, 1) / n2;
  const se2 = v1 + v2;
  if (se2 === 0) return nan;
  const t = (mean(searched) - mean(random)) / Math.sqrt(se2);
  const df = (se2 * se2) / ((v1 * v1) / (n1 - 1) + (v2 * v2) / (n2 - 1));
  const pGreater = studentTSurvival(t, df);
  const pTwoSided = Math.min(1, 2 * studentTCdf(-Math.abs(t), df));
  return { t, df, pGreater, pTwoSided };
}
