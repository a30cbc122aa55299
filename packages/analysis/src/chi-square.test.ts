import { describe, expect, it } from 'vitest';
import { chiSquareGoodnessOfFit, chiSquareSurvival, regularizedUpperGamma } from './chi-square.js';
import { createRng } from './rng.js';

describe('chi-square distribution', () => {
  it('closed forms: Q(1, x) = e^-x; χ²(2) survival = e^(-x/2); Q(a, 0) = 1', () => {
    for (const x of [0.1, 1, 3.7, 20]) {
      expect(regularizedUpperGamma(1, x)).toBeCloseTo(Math.exp(-x), 13);
      expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 13);
    }
    expect(regularizedUpperGamma(3.5, 0)).toBe(1);
  });

  it('matches the closed forms for integer df on both sides of x = a + 1 (series and continued fraction)', () => {
    // even df: e^(-x/2) Σ_{k<df/2} (x/2)^k / k!; odd df: erfc(√(x/2)) + √(2x/π) e^(-x/2) Σ_k x^(k-1) / (2k-1)!!
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(23.209251158954356, 10)).toBeCloseTo(0.01, 12);
    expect(chiSquareSurvival(5.0, 9)).toBeCloseTo(0.8343082601934078, 12);
    expect(chiSquareSurvival(80.0, 41)).toBeCloseTo(0.0002563627063014148, 14);
    expect(chiSquareSurvival(80.0, 40)).toBeCloseTo(0.00017630289773856828, 14);
  });
});

describe('chiSquareGoodnessOfFit', () => {
  it('accepts draws from the expected distribution and rejects a wrong one', () => {
    const rng = createRng(7);
    const probs = [0.5, 0.3, 0.2];
    const counts = [0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const u = rng.nextFloat();
      counts[u < 0.5 ? 0 : u < 0.8 ? 1 : 2]!++;
    }
    const fit = chiSquareGoodnessOfFit(counts, probs);
    expect(fit.df).toBe(2);
    expect(fit.pValue).toBeGreaterThan(0.001);
    expect(chiSquareGoodnessOfFit(counts, [1, 1, 1]).pValue).toBeLessThan(1e-12);
  });

  it('normalises expected weights, ignores impossible categories, and gives p = 0 when one is observed', () => {
    expect(chiSquareGoodnessOfFit([50, 50, 0], [1, 1, 0])).toEqual({ statistic: 0, df: 1, pValue: 1 });
    expect(chiSquareGoodnessOfFit([50, 49, 1], [1, 1, 0]).pValue).toBe(0);
    expect(() => chiSquareGoodnessOfFit([1, 2], [1])).toThrow(/2 observed categories, 1 expected/);
  });
});
