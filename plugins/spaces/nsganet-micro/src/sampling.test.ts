import { chiSquareGoodnessOfFit } from '@naslab/analysis';
import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { formatNsganetGenome, looseEnds, validateNsganetGenome, type NsganetGenome } from './genome.js';
import { sampleNsganetGenome } from './sampling.js';

const DRAWS = 10_000;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

function tally(values: readonly number[], categories: readonly number[]): number[] {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  expect([...m.keys()].filter((k) => !categories.includes(k))).toEqual([]);
  return categories.map((c) => m.get(c) ?? 0);
}
const fit = (values: readonly number[], categories: readonly number[], weights = categories.map(() => 1)) => chiSquareGoodnessOfFit(tally(values, categories), weights).pValue;

describe('released-code sampler (NSGANET/README.md: randint(0, 8, 16), choice(k + 2, 2, replace=False))', () => {
  const rng = new Rng('nsganet-released');
  const genomes: NsganetGenome[] = range(DRAWS).map(() => sampleNsganetGenome(rng));
  const cells = genomes.flatMap((g) => [g.normal, g.reduce]);

  it('is deterministic and gives valid 4-block genomes', () => {
    const again = new Rng('nsganet-released');
    expect(range(5).map(() => formatNsganetGenome(sampleNsganetGenome(again)))).toEqual(genomes.slice(0, 5).map(formatNsganetGenome));
    for (const g of genomes.slice(0, 500)) validateNsganetGenome(g);
    expect(genomes.every((g) => g.normal.length === 16 && g.reduce.length === 16)).toBe(true);
  });

  it('ops uniform over 0–7 over 10,000 draws: conv_7x1_1x7 (8) never appears; a 9-op table is refused', () => {
    const ops = cells.flatMap((c) => c.filter((_, k) => k % 2 === 0));
    expect(ops.includes(8)).toBe(false);
    expect(fit(ops, range(8))).toBeGreaterThan(0.001);
    expect(chiSquareGoodnessOfFit(tally(ops, range(9)), range(9).map(() => 1)).pValue).toBeLessThan(1e-12);
  });

  it('block k: two distinct inputs, uniform over the ordered pairs of {0 … k+1}; repeats (the search space) refused', () => {
    for (let k = 0; k < 4; k++) {
      const n = k + 2;
      const joint = cells.map((c) => c[4 * k + 1]! * n + c[4 * k + 3]!);
      const distinct = range(n * n).map((v) => (Math.floor(v / n) === v % n ? 0 : 1));
      expect(fit(joint, range(n * n), distinct), `block ${k}`).toBeGreaterThan(0.001);
      expect(joint.some((v) => Math.floor(v / n) === v % n)).toBe(false);
    }
  });

  it('loose ends: the last block is always one; the count matches what the link distribution implies', () => {
    expect(cells.every((c) => looseEnds(c).includes(5))).toBe(true);
    // P(block 0's state 2 unread) = P(blocks 1–3 avoid 2) = (1/3)·(3/6)·(6/10) = 1/10 with distinct pairs
    const unread2 = cells.filter((c) => looseEnds(c).includes(2)).length;
    expect(fit(cells.map((c) => (looseEnds(c).includes(2) ? 1 : 0)), [0, 1], [0.9, 0.1])).toBeGreaterThan(0.001);
    expect(unread2).toBeGreaterThan(0);
  });
});

describe('uniform sampler (the search space: 5 blocks, 9 ops, inputs with repeats)', () => {
  const rng = new Rng('nsganet-uniform');
  const cells = range(DRAWS).flatMap(() => {
    const g = sampleNsganetGenome(rng, 'uniform');
    return [g.normal, g.reduce];
  });

  it('ops uniform over 0–8; block b: (in1, in2) uniform over {0 … b+1}², repeats allowed', () => {
    expect(cells.every((c) => c.length === 20)).toBe(true);
    expect(fit(cells.flatMap((c) => c.filter((_, k) => k % 2 === 0)), range(9))).toBeGreaterThan(0.001);
    for (let b = 0; b < 5; b++) {
      const n = b + 2;
      expect(fit(cells.map((c) => c[4 * b + 1]! * n + c[4 * b + 3]!), range(n * n)), `block ${b}`).toBeGreaterThan(0.001);
    }
  });
});
