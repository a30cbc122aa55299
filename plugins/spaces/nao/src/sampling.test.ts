import { chiSquareGoodnessOfFit } from '@naslab/analysis';
import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { formatNaoArch, NAO_NODES, validateNaoArch, type NaoArch } from './arch.js';
import { NAO_OP_SETS, sampleNaoArch } from './sampling.js';

const DRAWS = 10_000;

function tally(values: readonly number[], categories: readonly number[]): number[] {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  expect([...m.keys()].filter((k) => !categories.includes(k))).toEqual([]);
  return categories.map((c) => m.get(c) ?? 0);
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('sampleNaoArch (generate_arch(1, 5, num_ops))', () => {
  const rng = new Rng('nao-released');
  const archs: NaoArch[] = Array.from({ length: DRAWS }, () => sampleNaoArch(rng));
  const cells = archs.flatMap((a) => [a.normal, a.reduce]);

  it('is deterministic and gives valid architectures', () => {
    const again = new Rng('nao-released');
    expect(range(5).map(() => formatNaoArch(sampleNaoArch(again)))).toEqual(archs.slice(0, 5).map(formatNaoArch));
    for (const a of archs.slice(0, 500)) validateNaoArch(a);
  });

  it('random-baseline: both ops of every node uniform over ids 0–10 (identity, ids 4 and 5, twice as likely as any other op) over 10,000 draws', () => {
    const ops = cells.flatMap((c) => c.filter((_, k) => k % 2 === 1));
    const fit = chiSquareGoodnessOfFit(tally(ops, range(11)), range(11).map(() => 1));
    expect(fit.pValue).toBeGreaterThan(0.001);
    // the 5-op or the 16-op table would be refused
    expect(chiSquareGoodnessOfFit(tally(ops, range(16)), range(16).map(() => 1)).pValue).toBeLessThan(1e-12);
  });

  it('inputs: x_id and y_id of node s each uniform over 0 … s−1, independent, repeats allowed (joint chi-square per node)', () => {
    for (let i = 0; i < NAO_NODES; i++) {
      const s = i + 2;
      const joint = cells.map((c) => c[4 * i]! * s + c[4 * i + 2]!);
      const fit = chiSquareGoodnessOfFit(tally(joint, range(s * s)), range(s * s).map(() => 1));
      expect(fit.pValue, `node ${s}`).toBeGreaterThan(0.001);
      // a sampler of 2 distinct inputs (DARTS-style) would be refused: the diagonal has mass 1/s here
      const distinct = range(s * s).map((k) => (Math.floor(k / s) === k % s ? 0 : 1));
      expect(chiSquareGoodnessOfFit(tally(joint, range(s * s)), distinct).pValue).toBe(0);
    }
  });

  it('search and nao-paper draw ids 0–4 and 5–15, uniformly', () => {
    for (const [set, ids] of [['search', range(5)], ['nao-paper', range(11, 5)]] as const) {
      expect(NAO_OP_SETS[set]).toEqual(ids);
      const r = new Rng(`nao-${set}`);
      const ops = range(2000).flatMap(() => {
        const a = sampleNaoArch(r, set);
        return [...a.normal, ...a.reduce].filter((_, k) => k % 2 === 1);
      });
      expect(chiSquareGoodnessOfFit(tally(ops, ids), ids.map(() => 1)).pValue).toBeGreaterThan(0.001);
    }
  });
});
