import { chiSquareGoodnessOfFit } from '@naslab/analysis';
import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { CNAS_NODES, CNAS_OPS, formatCnasGenotype, type CnasEdge, type CnasGenotype } from './genotype.js';
import { CNAS_NON_NONE_OPS, sampleCnasGenotype } from './sampling.js';

const DRAWS = 10_000;

/**
 * The reference derivation itself (`CNAS/darts/model_search.py` `genotype()._parse`), on freshly
 * initialised α = 1e-3·randn(27, 8): softmax per edge; per node the 2 edges with the largest
 * non-`none` weight (strongest first), each with its best non-`none` op.
 */
function referenceCell(rng: Rng): CnasEdge[] {
  const gene: CnasEdge[] = [];
  const none = CNAS_OPS.indexOf('none');
  for (let i = 0; i < CNAS_NODES; i++) {
    const W = Array.from({ length: i + 2 }, () => {
      const a = CNAS_OPS.map(() => 1e-3 * rng.normal());
      const z = a.reduce((s, v) => s + Math.exp(v), 0);
      return a.map((v) => Math.exp(v) / z);
    });
    const strength = (x: number) => Math.max(...W[x]!.filter((_, k) => k !== none));
    const edges = [...W.keys()].sort((x, y) => strength(y) - strength(x)).slice(0, 2);
    for (const j of edges) {
      let best = -1;
      W[j]!.forEach((w, k) => {
        if (k !== none && (best < 0 || w > W[j]![best]!)) best = k;
      });
      gene.push([CNAS_OPS[best]!, j]);
    }
  }
  return gene;
}

function tally(values: readonly string[], categories: readonly string[]): number[] {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  expect([...m.keys()].filter((k) => !categories.includes(k))).toEqual([]);
  return categories.map((c) => m.get(c) ?? 0);
}

/** Every ordered pair (a, b), a ≠ b, of node k's inputs 0 … k+1. */
function orderedPairs(node: number): string[] {
  const out: string[] = [];
  for (let a = 0; a < node + 2; a++) for (let b = 0; b < node + 2; b++) if (a !== b) out.push(`${a},${b}`);
  return out;
}

/** Chi-square p-values of ops (uniform over `ops`) and of each node's ordered input pair (uniform). */
function fit(cells: readonly CnasEdge[][], ops: readonly string[]) {
  const opP = chiSquareGoodnessOfFit(tally(cells.flatMap((c) => c.map(([op]) => op)), ops), ops.map(() => 1)).pValue;
  const pairP = Array.from({ length: CNAS_NODES }, (_, k) => {
    const pairs = orderedPairs(k);
    return chiSquareGoodnessOfFit(tally(cells.map((c) => `${c[2 * k]![1]},${c[2 * k + 1]![1]}`), pairs), pairs.map(() => 1)).pValue;
  });
  return { opP, pairP };
}

describe('sampleCnasGenotype', () => {
  const rng = new Rng('cnas-released');
  const genotypes: CnasGenotype[] = Array.from({ length: DRAWS }, () => sampleCnasGenotype(rng));
  const cells = genotypes.flatMap((g) => [g.normal, g.reduce]);

  it('is deterministic; every sample has 12 edges per cell and concat range(2, 8)', () => {
    const again = new Rng('cnas-released');
    expect(Array.from({ length: 5 }, () => formatCnasGenotype(sampleCnasGenotype(again)))).toEqual(genotypes.slice(0, 5).map(formatCnasGenotype));
    expect(genotypes.every((g) => g.normal.length === 12 && g.reduceConcat.join() === '2,3,4,5,6,7')).toBe(true);
  });

  it('the reference derivation on random α is uniform over the 7 non-none ops and over ordered input pairs (oracle, 10,000 cells)', () => {
    const ref = new Rng('cnas-reference');
    const refCells = Array.from({ length: DRAWS }, () => referenceCell(ref));
    const { opP, pairP } = fit(refCells, CNAS_NON_NONE_OPS);
    expect(opP).toBeGreaterThan(0.001);
    for (const p of pairP) expect(p).toBeGreaterThan(0.001);
    // its two edges come in either order (strongest first), not sorted by input
    const firstSmaller = refCells.filter((c) => c[0]![1] < c[1]![1]).length / DRAWS;
    expect(Math.abs(firstSmaller - 0.5)).toBeLessThan(0.03);
  });

  it('released-code draws the same distribution: ops uniform over the 7 non-none, ordered pairs uniform (10,000 genotypes)', () => {
    const { opP, pairP } = fit(cells, CNAS_NON_NONE_OPS);
    expect(opP).toBeGreaterThan(0.001);
    for (const p of pairP) expect(p).toBeGreaterThan(0.001);
    expect(cells.some((c) => c.some(([op]) => op === 'none'))).toBe(false);
    // a sampler that sorted each node's pair by input (as the DARTS one does) would be refused
    const sorted = cells.map((c) => c.map((e, i): CnasEdge => (i % 2 === 0 ? [e[0], Math.min(e[1], c[i + 1]![1])] : [e[0], Math.max(c[i - 1]![1], e[1])])));
    expect(Math.max(...fit(sorted, CNAS_NON_NONE_OPS).pairP)).toBeLessThan(1e-6);
  });

  it('uniform-8 draws every op including none uniformly', () => {
    const r = new Rng('cnas-uniform8');
    const u = Array.from({ length: 2000 }, () => sampleCnasGenotype(r, 'uniform-8')).flatMap((g) => [g.normal, g.reduce]);
    expect(fit(u, CNAS_OPS).opP).toBeGreaterThan(0.001);
    // …which released-code never does: its expectation gives none probability 0
    const noNone = CNAS_OPS.map((op) => (op === 'none' ? 0 : 1));
    expect(chiSquareGoodnessOfFit(tally(u.flatMap((c) => c.map(([op]) => op)), CNAS_OPS), noNone).pValue).toBe(0);
  });
});
