import { chiSquareGoodnessOfFit } from '@naslab/analysis';
import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { ENAS_NODES, formatEnasArc, looseEnds, validateEnasArc, type EnasArc } from './arc.js';
import { sampleEnasArc } from './sampling.js';

const DRAWS = 10_000;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

function tally(values: readonly number[], categories: readonly number[]): number[] {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  expect([...m.keys()].filter((k) => !categories.includes(k))).toEqual([]);
  return categories.map((c) => m.get(c) ?? 0);
}
const uniformFit = (values: readonly number[], categories: readonly number[]) => chiSquareGoodnessOfFit(tally(values, categories), categories.map(() => 1)).pValue;

describe('released-code sampler (ENASTF/README.md: ops = randint(0, 5, 20), links = choice([0, 1], 20))', () => {
  const rng = new Rng('enas-released');
  const archs: EnasArc[] = range(DRAWS).map(() => sampleEnasArc(rng));

  it('is deterministic and gives valid arcs', () => {
    const again = new Rng('enas-released');
    expect(range(5).map(() => formatEnasArc(sampleEnasArc(again)))).toEqual(archs.slice(0, 5).map(formatEnasArc));
    for (const a of archs.slice(0, 500)) validateEnasArc(a);
  });

  it('every node of both cells reads links[0] and links[1]: one input pair per arc, uniform over {0, 1}², never a node', () => {
    const shared = archs.filter((a) =>
      [a.normal, a.reduce].every((cell) => range(ENAS_NODES).every((i) => cell[4 * i] === a.normal[0] && cell[4 * i + 2] === a.normal[2])),
    );
    expect(shared.length).toBe(DRAWS);
    expect(uniformFit(archs.map((a) => 2 * a.normal[0]! + a.normal[2]!), range(4))).toBeGreaterThan(0.001);
  });

  it('ops: each of the 20 op slots uniform over 0–4, and the slots independent (joint of node 2’s x op and node 6’s y op)', () => {
    const ops = archs.flatMap((a) => [...a.normal, ...a.reduce].filter((_, k) => k % 2 === 1));
    expect(uniformFit(ops, range(5))).toBeGreaterThan(0.001);
    for (let k = 1; k < 40; k += 2) expect(uniformFit(archs.map((a) => [...a.normal, ...a.reduce][k]!), range(5)), `slot ${k}`).toBeGreaterThan(0.001);
    expect(uniformFit(archs.map((a) => 5 * a.normal[1]! + a.reduce[19]!), range(25))).toBeGreaterThan(0.001);
  });

  it('loose ends: all 5 nodes, plus the unread cell input when links[0] = links[1] (half the arcs)', () => {
    const counts = archs.map((a) => looseEnds(a.normal).length);
    expect(archs.every((a) => [2, 3, 4, 5, 6].every((s) => looseEnds(a.normal).includes(s)))).toBe(true);
    expect(uniformFit(counts, [5, 6])).toBeGreaterThan(0.001);
  });
});

describe('uniform sampler (the paper’s space)', () => {
  const rng = new Rng('enas-uniform');
  const cells = range(DRAWS).flatMap(() => {
    const a = sampleEnasArc(rng, 'uniform');
    return [a.normal, a.reduce];
  });

  it('node s: (x_id, y_id) uniform over {0 … s−1}², ops uniform over 0–4', () => {
    for (let i = 0; i < ENAS_NODES; i++) {
      const s = i + 2;
      const joint = cells.map((c) => c[4 * i]! * s + c[4 * i + 2]!);
      expect(uniformFit(joint, range(s * s)), `node ${s}`).toBeGreaterThan(0.001);
    }
    expect(uniformFit(cells.flatMap((c) => c.filter((_, k) => k % 2 === 1)), range(5))).toBeGreaterThan(0.001);
    // the released-code sampler would be refused: its node 6 never reads a node
    expect(cells.filter((c) => c[16]! >= 2).length / cells.length).toBeGreaterThan(0.55);
  });
});
