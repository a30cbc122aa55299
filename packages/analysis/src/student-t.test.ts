import { describe, expect, it } from 'vitest';
import { logGamma, regularizedIncompleteBeta, studentTCdf, studentTSurvival } from './student-t.js';

describe('special functions', () => {
  it('logGamma matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(100.5)).toBeCloseTo(361.4355404701, 8);
  });

  it('regularized incomplete beta: closed forms and symmetry', () => {
    // I_x(1, 1) = x ; I_x(a, 1) = x^a ; I_x(1, b) = 1 − (1 − x)^b
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedIncompleteBeta(0.3, 2.5, 1)).toBeCloseTo(0.3 ** 2.5, 13);
    expect(regularizedIncompleteBeta(0.3, 1, 4)).toBeCloseTo(1 - 0.7 ** 4, 13);
    expect(regularizedIncompleteBeta(0.42, 3.3, 7.1) + regularizedIncompleteBeta(0.58, 7.1, 3.3)).toBeCloseTo(1, 13);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });
});

describe('Student-t CDF', () => {
  it('df = 1 is the Cauchy distribution, df = 2 has a closed form', () => {
    for (const t of [-5, -1.3, 0, 0.7, 3]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
  });

  it('matches scipy.stats.t for fractional df', () => {
    // scipy 1.17: t.cdf(1.5, 7.3), t.cdf(-2.2, 3.5), t.sf(4.0, 14.2)
    expect(studentTCdf(1.5, 7.3)).toBeCloseTo(0.912218453598457, 10);
    expect(studentTCdf(-2.2, 3.5)).toBeCloseTo(0.051166640162727955, 10);
    expect(studentTSurvival(4.0, 14.2)).toBeCloseTo(0.0006409630577052315, 12);
  });

  it('approaches the normal distribution for large df', () => {
    expect(studentTCdf(1.959963984540054, 1e7)).toBeCloseTo(0.975, 6);
  });
});
