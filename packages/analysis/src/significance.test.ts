import { describe, expect, it } from 'vitest';
import { bootstrapTwoSampleCi } from './bootstrap.js';
import { permutationTest } from './permutation-test.js';
import { relativeImprovement } from './relative-improvement.js';
import { createRng } from './rng.js';
import { welchTTest } from './welch.js';

// CIFAR10.csv, "Random DARTS" / "DARTS" and "Random NSGANET" / "NSGANET" columns.
const RANDOM_DARTS = [97.05, 96.85, 96.57, 97.09, 96.76, 97.1, 96.94, 97.02];
const DARTS = [97.47, 97.15, 97.41, 97.05, 96.93, 97.13, 97.4, 97.34];
const RANDOM_NSGANET = [97.07, 96.78, 96.49, 97.04, 97.08, 95.8, 96.28, 96.6];
const NSGANET = [95.61, 96.29, 95.39, 95.67, 95.52, 96.67, 97.18, 97.11];

describe('rng', () => {
  it('is deterministic per seed and roughly uniform', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
    const r = createRng(7);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[r.nextInt(10)]++;
    for (const k of counts) expect(Math.abs(k - 10_000)).toBeLessThan(500);
  });
});

describe("Welch's t-test", () => {
  it('matches scipy.stats.ttest_ind(equal_var=False)', () => {
    const w = welchTTest(DARTS, RANDOM_DARTS);
    expect(w.t).toBeCloseTo(3.2709194751705515, 10);
    expect(w.df).toBeCloseTo(13.957966924701259, 9);
    expect(w.pTwoSided).toBeCloseTo(0.005595025208518846, 10);
    expect(w.pGreater).toBeCloseTo(0.002797512604259423, 10);
    const n = welchTTest(NSGANET, RANDOM_NSGANET);
    expect(n.t).toBeCloseTo(-1.5208154150202264, 10);
    expect(n.pTwoSided).toBeCloseTo(0.15504276169183198, 10);
    expect(n.pGreater).toBeCloseTo(0.922478619154084, 10);
  });

  it('is undefined with fewer than two runs per group', () => {
    expect(Number.isNaN(welchTTest([1], [1, 2]).pGreater)).toBe(true);
  });
});

describe('permutation test', () => {
  it('is seeded, and agrees with Welch on which side wins', () => {
    const a = permutationTest(DARTS, RANDOM_DARTS, { seed: 1, permutations: 5000 });
    const b = permutationTest(DARTS, RANDOM_DARTS, { seed: 1, permutations: 5000 });
    expect(a).toEqual(b);
    expect(a.pGreater).toBeLessThan(0.01);
    // Exact p for 8 vs 8 is k/12870; Monte-Carlo with 5000 draws stays near Welch's order of magnitude.
    expect(a.pGreater).toBeGreaterThan(0);
    const n = permutationTest(NSGANET, RANDOM_NSGANET, { seed: 1, permutations: 5000 });
    expect(n.pGreater).toBeGreaterThan(0.8);
    expect(n.pTwoSided).toBeGreaterThan(0.1);
  });

  it('gives p = 1/(B+1)-ish floor for fully separated groups and ~1 for identical ones', () => {
    const sep = permutationTest([10, 11, 12, 13, 14], [1, 2, 3, 4, 5], { permutations: 2000, seed: 3 });
    // 1 of C(10,5) = 252 labellings is as extreme.
    expect(sep.pGreater).toBeLessThan(0.02);
    const same = permutationTest([1, 1, 1], [1, 1, 1], { permutations: 100 });
    expect(same.pGreater).toBe(1);
  });
});

describe('bootstrap CI of RI', () => {
  it('is deterministic, contains the point estimate and has the requested resample count', () => {
    const ri = relativeImprovement(DARTS.reduce((a, b) => a + b) / 8, RANDOM_DARTS.reduce((a, b) => a + b) / 8);
    const ci = bootstrapTwoSampleCi(DARTS, RANDOM_DARTS, relativeImprovement, { seed: 9 });
    expect(ci.resamples).toBe(10_000);
    expect(ci.method).toBe('percentile');
    expect(ci.low).toBeLessThan(ri);
    expect(ci.high).toBeGreaterThan(ri);
    expect(ci.low).toBeGreaterThan(0); // DARTS clearly beats its random baseline on CIFAR10
    expect(bootstrapTwoSampleCi(DARTS, RANDOM_DARTS, relativeImprovement, { seed: 9 })).toEqual(ci);
    const wide = bootstrapTwoSampleCi(DARTS, RANDOM_DARTS, relativeImprovement, { seed: 9, confidence: 0.99 });
    expect(wide.high - wide.low).toBeGreaterThan(ci.high - ci.low);
  });
});
