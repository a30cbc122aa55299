import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { DARTS_OPS, formatGenotype, nodeOfEdge, parseGenotype, validateGenotype } from './genotype.js';
import { NON_NONE_OPS, sampleGenotype, sampleSpaceSize, type DartsSampling } from './sampling.js';

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquareUniform(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

/**
 * Chi-square critical values at p = 0.001 by degrees of freedom (k − 1); the samples below are
 * drawn from fixed seeds, so the test is deterministic and the bound is generous.
 */
const CHI2_P001: Record<number, number> = { 2: 13.82, 5: 20.52, 6: 22.46, 7: 24.32, 9: 27.88 };

function collect(mode: DartsSampling, n: number, seed: string) {
  const rng = new Rng(seed);
  const opCounts = new Map<string, number>();
  // per node (state 3, 4, 5): counts of each unordered input pair
  const pairCounts = new Map<number, Map<string, number>>([3, 4, 5].map((s) => [s, new Map()]));
  for (let i = 0; i < n; i++) {
    const g = sampleGenotype(rng, mode);
    for (const cell of [g.normal, g.reduce]) {
      cell.forEach(([op]) => opCounts.set(op, (opCounts.get(op) ?? 0) + 1));
      for (let k = 0; k < 4; k++) {
        const [a, b] = [cell[2 * k]![1], cell[2 * k + 1]![1]];
        const node = nodeOfEdge(2 * k);
        if (node === 2) continue;
        const m = pairCounts.get(node)!;
        const key = `${a},${b}`;
        m.set(key, (m.get(key) ?? 0) + 1);
      }
    }
  }
  return { opCounts, pairCounts };
}

describe('sampleGenotype', () => {
  it('is deterministic: the same seed gives the same genotypes, another seed others', () => {
    const run = (seed: string) => {
      const rng = new Rng(seed);
      return Array.from({ length: 5 }, () => formatGenotype(sampleGenotype(rng)));
    };
    expect(run('s1')).toEqual(run('s1'));
    expect(run('s1')).not.toEqual(run('s2'));
    expect(new Set(run('s1')).size).toBe(5);
  });

  it('gives valid genotypes: 2 distinct inputs per node, listed in increasing order, full concat', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 500; i++) {
      const g = validateGenotype(sampleGenotype(rng));
      expect(parseGenotype(formatGenotype(g))).toEqual(g);
      expect(g.normalConcat).toEqual([2, 3, 4, 5]);
      for (const cell of [g.normal, g.reduce]) {
        for (let k = 0; k < 4; k++) expect(cell[2 * k]![1]).toBeLessThan(cell[2 * k + 1]![1]);
      }
    }
  });

  it('released-code: ops uniform over the 7 non-none ops, never none (chi-square)', () => {
    const { opCounts } = collect('released-code', 4000, 'ops-released');
    expect(opCounts.has('none')).toBe(false);
    const counts = NON_NONE_OPS.map((op) => opCounts.get(op) ?? 0);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4000 * 16);
    expect(chiSquareUniform(counts)).toBeLessThan(CHI2_P001[6]!);
  });

  it('uniform-8: ops uniform over all 8 ops, none included (chi-square)', () => {
    const { opCounts } = collect('uniform-8', 4000, 'ops-uniform8');
    const counts = DARTS_OPS.map((op) => opCounts.get(op) ?? 0);
    expect(counts.every((c) => c > 0)).toBe(true);
    expect(chiSquareUniform(counts)).toBeLessThan(CHI2_P001[7]!);
  });

  it('input pairs are uniform over the C(s, 2) pairs of each node (chi-square)', () => {
    const { pairCounts } = collect('released-code', 4000, 'pairs');
    const expectedPairs: Record<number, number> = { 3: 3, 4: 6, 5: 10 };
    for (const [node, m] of pairCounts) {
      expect(m.size).toBe(expectedPairs[node]);
      expect(chiSquareUniform([...m.values()])).toBeLessThan(CHI2_P001[expectedPairs[node]! - 1]!);
    }
  });

  it('a chi-square bound this tight does catch a biased sampler', () => {
    // sanity check of the test itself: 'sep_conv_3x3' twice as likely must fail the bound
    const rng = new Rng('biased');
    const ops = [...NON_NONE_OPS, 'sep_conv_3x3'];
    const counts = new Map<string, number>();
    for (let i = 0; i < 64000; i++) {
      const op = rng.choice(ops);
      counts.set(op, (counts.get(op) ?? 0) + 1);
    }
    expect(chiSquareUniform(NON_NONE_OPS.map((op) => counts.get(op) ?? 0))).toBeGreaterThan(CHI2_P001[6]!);
  });

  it('sampleSpaceSize counts input pairs and ops', () => {
    expect(sampleSpaceSize('released-code')).toBe((180 * 7 ** 8) ** 2);
    expect(sampleSpaceSize('uniform-8')).toBe((180 * 8 ** 8) ** 2);
  });
});
