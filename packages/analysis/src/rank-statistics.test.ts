import { describe, expect, it } from 'vitest';
import { seedFile } from './__fixtures__/seed-data.js';
import { parseNumericTable } from './csv.js';
import { averageRanks, bootstrapKendallTauCi, compareRankings, kendallTauB, largestRankShift, spearmanRho } from './rank-statistics.js';

function pairs(file: string): [number[], number[]] {
  const t = parseNumericTable(seedFile(`nas-benchmark/correlations/${file}`), { skipColumns: 1 });
  return [t.rows.map((r) => r[0]), t.rows.map((r) => r[1])];
}

describe('rank statistics', () => {
  it('average ranks for ties (scipy rankdata)', () => {
    expect(averageRanks([3, 1, 4, 1, 5])).toEqual([3, 1.5, 4, 1.5, 5]);
    expect(averageRanks([3, 1, 4, 1, 5], true)).toEqual([3, 4.5, 2, 4.5, 1]);
  });

  it('Kendall τ-b handles ties like scipy.stats.kendalltau', () => {
    expect(kendallTauB([1, 2, 3, 4], [1, 2, 3, 4])).toBe(1);
    expect(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // scipy: kendalltau([1,2,2,3],[1,3,2,2]) = 0.4
    expect(kendallTauB([1, 2, 2, 3], [1, 3, 2, 2])).toBeCloseTo(0.4, 12);
  });

  it('seed_pairs_32_combined.csv: τ-b = 0.48 (the paper\u2019s seed study)', () => {
    const [a, b] = pairs('seed_pairs_32_combined.csv');
    expect(a).toHaveLength(32);
    const tau = kendallTauB(a, b);
    expect(tau).toBeCloseTo(0.47599814907406846, 12);
    expect(tau.toFixed(2)).toBe('0.48');
    expect(spearmanRho(a, b)).toBeCloseTo(0.6429620546875916, 12);
  });

  it('8_to_20_cells.csv: τ-b = 0.54 (depth gap)', () => {
    const [a, b] = pairs('8_to_20_cells.csv');
    const cmp = compareRankings(a, b);
    expect(cmp.kendallTauB).toBeCloseTo(0.5354969574036511, 12);
    expect(cmp.kendallTauB.toFixed(2)).toBe('0.54');
    expect(cmp.spearmanRho).toBeCloseTo(0.728406381808179, 12);
    expect(cmp.largestShift).toMatchObject({ index: 0, shift: 18.5 });
  });

  it('different_seed_24.csv alone: τ-b = 0.58', () => {
    const [a, b] = pairs('different_seed_24.csv');
    expect(kendallTauB(a, b)).toBeCloseTo(0.583495078689486, 12);
  });

  it('largest rank shift on the seed pairs', () => {
    const [a, b] = pairs('seed_pairs_32_combined.csv');
    expect(largestRankShift(a, b)).toMatchObject({ index: 27, shift: 19.5 });
  });
});

describe('rank statistics on NaN input', () => {
  it('Kendall τ-b, Spearman ρ and the largest rank move are NaN, not a biased value', () => {
    const a = [1, 2, 3, 4, 5];
    const b = [1, 2, Number.NaN, 4, 5];
    expect(kendallTauB(a, b)).toBeNaN();
    expect(kendallTauB(b, a)).toBeNaN();
    expect(spearmanRho(a, b)).toBeNaN();
    expect(spearmanRho(b, a)).toBeNaN();
    expect(largestRankShift(a, b).shift).toBeNaN();
    expect(kendallTauB(a, a)).toBe(1);
  });
});

describe('bootstrap CI of Kendall τ-b', () => {
  it('covers the sample τ, is tight for a perfect ranking and wide for a small noisy one, and is deterministic', () => {
    const a = Array.from({ length: 30 }, (_, i) => i);
    const perfect = bootstrapKendallTauCi(a, a, { resamples: 500 });
    expect(perfect.low).toBe(1);
    expect(perfect.high).toBe(1);
    const noisy = a.map((v, i) => v + ((i * 7919) % 13) - 6);
    const tau = kendallTauB(a, noisy);
    const ci = bootstrapKendallTauCi(a, noisy, { resamples: 1000, seed: 3 });
    expect(ci.low).toBeLessThan(tau);
    expect(ci.high).toBeGreaterThan(tau);
    expect(ci.high - ci.low).toBeGreaterThan(0.05);
    expect(bootstrapKendallTauCi(a, noisy, { resamples: 1000, seed: 3 })).toEqual(ci);
    expect(bootstrapKendallTauCi([1, 2, Number.NaN, 4], [1, 2, 3, 4]).low).toBeNaN();
  });
});
