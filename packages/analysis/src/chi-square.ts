/**
 * Pearson's chi-square goodness-of-fit test, with the chi-square survival function through the
 * regularized incomplete gamma function (series and Lentz continued fraction, Numerical Recipes
 * §6.2), no dependency. Used to check that a sampler draws from the distribution its reference
 * code implies.
 */
import { logGamma } from './student-t.js';

/** Lower regularized incomplete gamma P(a, x) by its series (converges fast for x < a + 1). */
function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 1000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Upper regularized incomplete gamma Q(a, x) by its continued fraction (for x ≥ a + 1). */
function upperGammaFraction(a: number, x: number): number {
  const TINY = 1e-300;
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** Upper regularized incomplete gamma Q(a, x) = Γ(a, x) / Γ(a), for a > 0 and x ≥ 0. */
export function regularizedUpperGamma(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaFraction(a, x);
}

/** P(X > x) for X ~ χ²(df). */
export function chiSquareSurvival(x: number, df: number): number {
  return regularizedUpperGamma(df / 2, x / 2);
}

export interface ChiSquareTest {
  /** Pearson's statistic Σ (observed − expected)² / expected. */
  readonly statistic: number;
  /** Degrees of freedom: categories with a positive expected probability, minus one. */
  readonly df: number;
  /** P(χ²(df) ≥ statistic) under the expected distribution. */
  readonly pValue: number;
}

/**
 * Goodness of fit of `observed` counts to `expected` probabilities (same length; normalised
 * here). A category with expected probability 0 must have no observations, or p is 0.
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], expected: readonly number[]): ChiSquareTest {
  if (observed.length !== expected.length) {
    throw new Error(`chi-square: ${observed.length} observed categories, ${expected.length} expected`);
  }
  const total = observed.reduce((a, b) => a + b, 0);
  const mass = expected.reduce((a, b) => a + b, 0);
  if (!(total > 0) || !(mass > 0)) throw new Error('chi-square: no observations or no expected mass');
  let statistic = 0;
  let categories = 0;
  let impossible = false;
  observed.forEach((o, i) => {
    const e = (expected[i]! / mass) * total;
    if (e > 0) {
      statistic += (o - e) ** 2 / e;
      categories++;
    } else if (o > 0) {
      impossible = true;
    }
  });
  const df = categories - 1;
  if (impossible) return { statistic: Number.POSITIVE_INFINITY, df, pValue: 0 };
  return { statistic, df, pValue: df > 0 ? chiSquareSurvival(statistic, df) : 1 };
}
