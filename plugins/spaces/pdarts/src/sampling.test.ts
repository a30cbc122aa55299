import { chiSquareGoodnessOfFit } from '@naslab/analysis';
import { Rng } from '@naslab/core';
import { DARTS_OPS, formatGenotype, validateGenotype, type Genotype } from '@naslab/space-darts';
import { describe, expect, it } from 'vitest';
import { samplePdartsGenotype, skipConnectCount, withinSkipLimit, type PdartsSampling } from './sampling.js';

const DRAWS = 10_000;
const NON_NONE = DARTS_OPS.filter((op) => op !== 'none');

function binomial(n: number, k: number, p: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c * p ** k * (1 - p) ** (n - k);
}

/**
 * What the reference logic implies: the DARTS sampler draws each of a cell's 8 edges' op uniformly
 * among 7 (so #skip ~ Binomial(8, 1/7)), and the restriction keeps the draws with #skip ≤ 2.
 */
const SKIP_GIVEN_LIMIT = [0, 1, 2].map((k) => binomial(8, k, 1 / 7));

function draw(o: PdartsSampling, seed: string, n = DRAWS): Genotype[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => samplePdartsGenotype(rng, o));
}

function counts<T>(values: readonly T[], categories: readonly T[]): number[] {
  const m = new Map<T, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  expect([...m.keys()].every((k) => categories.includes(k))).toBe(true);
  return categories.map((c) => m.get(c) ?? 0);
}

describe('samplePdartsGenotype', () => {
  const released = draw({ ops: 'released-code', maxSkipConnects: 2, skipLimit: 'normal' }, 'pdarts-released');

  it('is deterministic and gives valid DARTS genotypes', () => {
    const again = draw({ ops: 'released-code', maxSkipConnects: 2, skipLimit: 'normal' }, 'pdarts-released', 20);
    expect(again.map(formatGenotype)).toEqual(released.slice(0, 20).map(formatGenotype));
    for (const g of released.slice(0, 200)) validateGenotype(g);
  });

  it('normal cell: #skip_connect follows Binomial(8, 1/7) truncated to ≤ 2 over 10,000 draws (chi-square)', () => {
    const skips = counts(released.map((g) => skipConnectCount(g.normal)), [0, 1, 2]);
    const fit = chiSquareGoodnessOfFit(skips, SKIP_GIVEN_LIMIT);
    expect(fit.pValue).toBeGreaterThan(0.001);
    // the unrestricted sampler's Binomial(8, 1/7) on 0…8 is refused (3–8 never occur)
    const unrestricted = Array.from({ length: 9 }, (_, k) => binomial(8, k, 1 / 7));
    expect(chiSquareGoodnessOfFit([...skips, 0, 0, 0, 0, 0, 0], unrestricted).pValue).toBeLessThan(1e-6);
  });

  it('normal-cell op frequencies: P(skip) = E[#skip | ≤ 2]/8 = 13/112, the 6 others share the rest; never none', () => {
    const z = SKIP_GIVEN_LIMIT.reduce((a, b) => a + b, 0);
    const pSkip = (SKIP_GIVEN_LIMIT[1]! + 2 * SKIP_GIVEN_LIMIT[2]!) / z / 8;
    expect(pSkip).toBeCloseTo(13 / 112, 12);
    const expected = NON_NONE.map((op) => (op === 'skip_connect' ? pSkip : (1 - pSkip) / 6));
    const fit = chiSquareGoodnessOfFit(counts(released.flatMap((g) => g.normal.map(([op]) => op)), NON_NONE), expected);
    expect(fit.pValue).toBeGreaterThan(0.001);
    // uniform over the 7 (the unrestricted DARTS sampler) is refused
    expect(chiSquareGoodnessOfFit(counts(released.flatMap((g) => g.normal.map(([op]) => op)), NON_NONE), NON_NONE.map(() => 1)).pValue).toBeLessThan(1e-6);
  });

  it('reduction cell unrestricted (ops uniform over 7); inputs: 2 distinct states per node, pairs uniform', () => {
    const reduceOps = counts(released.flatMap((g) => g.reduce.map(([op]) => op)), NON_NONE);
    expect(chiSquareGoodnessOfFit(reduceOps, NON_NONE.map(() => 1)).pValue).toBeGreaterThan(0.001);
    for (let node = 1; node < 4; node++) {
      const pairs: string[] = [];
      for (let a = 0; a < node + 2; a++) for (let b = a + 1; b < node + 2; b++) pairs.push(`${a},${b}`);
      for (const cell of ['normal', 'reduce'] as const) {
        const seen = released.map((g) => `${g[cell][2 * node]![1]},${g[cell][2 * node + 1]![1]}`);
        expect(chiSquareGoodnessOfFit(counts(seen, pairs), pairs.map(() => 1)).pValue).toBeGreaterThan(0.001);
      }
    }
  });

  it('uniform-8 draws none too (8 ops), under the same restriction', () => {
    const gs = draw({ ops: 'uniform-8', maxSkipConnects: 2, skipLimit: 'normal' }, 'pdarts-uniform8', 2000);
    const reduceOps = counts(gs.flatMap((g) => g.reduce.map(([op]) => op)), [...DARTS_OPS]);
    expect(chiSquareGoodnessOfFit(reduceOps, DARTS_OPS.map(() => 1)).pValue).toBeGreaterThan(0.001);
    expect(gs.every((g) => skipConnectCount(g.normal) <= 2)).toBe(true);
  });

  it('each-cell and architecture limits count the cells they say', () => {
    const each = draw({ ops: 'released-code', maxSkipConnects: 1, skipLimit: 'each-cell' }, 'each', 500);
    expect(each.every((g) => skipConnectCount(g.normal) <= 1 && skipConnectCount(g.reduce) <= 1)).toBe(true);
    const arch = draw({ ops: 'released-code', maxSkipConnects: 2, skipLimit: 'architecture' }, 'arch', 500);
    expect(arch.every((g) => skipConnectCount(g.normal) + skipConnectCount(g.reduce) <= 2)).toBe(true);
    expect(arch.some((g) => skipConnectCount(g.reduce) === 2)).toBe(true);
    const g = released.find((x) => skipConnectCount(x.reduce) >= 3)!;
    expect(withinSkipLimit(g, { ops: 'released-code', maxSkipConnects: 2, skipLimit: 'normal' })).toBe(true);
    expect(withinSkipLimit(g, { ops: 'released-code', maxSkipConnects: 2, skipLimit: 'each-cell' })).toBe(false);
  });
});
