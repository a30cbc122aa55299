/**
 * Random ENAS arcs.
 *
 * `released-code` (default): the random baseline of "NAS evaluation is frustratingly hard"
 * (antoyang/NAS-Benchmark `ENASTF/README.md` l.5-16, the same in `ENASPytorch/README.md`):
 * `ops = randint(0, 5, 20)`, `links = choice([0, 1], size=20)`, and **every** node reads
 * `links[0]` (x) and `links[1]` (y): one pair of cell inputs for all 5 nodes, no node ever reads
 * another node, so all 5 nodes are loose ends (and a cell input nobody reads is one too). The
 * normal cell takes ops 0–7, 16, 17 and the reduction cell ops 8–15, 18, 19, in that order.
 *
 * `uniform`: what the ENAS paper's search space allows and the seed paper's text describes: node
 * s draws x_id, y_id uniformly among the states 0 … s−1 (repeats allowed) and both ops uniformly.
 */
import type { Rng } from '@naslab/core';
import { ENAS_CELL_INPUTS, ENAS_NODES, ENAS_OPS, type EnasArc } from './arc.js';

export const ENAS_SAMPLERS = ['released-code', 'uniform'] as const;
export type EnasSampler = (typeof ENAS_SAMPLERS)[number];

/** Op index (into the 20 drawn) of node i's x and y op, per cell, as the README's arc strings list them. */
function opIndex(cell: 'normal' | 'reduce', node: number, branch: 0 | 1): number {
  if (node < 4) return (cell === 'normal' ? 0 : 8) + 2 * node + branch;
  return (cell === 'normal' ? 16 : 18) + branch;
}

function sampleReleasedCode(rng: Rng): EnasArc {
  const ops = Array.from({ length: 4 * ENAS_NODES }, () => rng.int(ENAS_OPS.length));
  const links = Array.from({ length: 4 * ENAS_NODES }, () => rng.int(2));
  const cell = (name: 'normal' | 'reduce') =>
    Array.from({ length: ENAS_NODES }, (_, i) => [links[0]!, ops[opIndex(name, i, 0)]!, links[1]!, ops[opIndex(name, i, 1)]!]).flat();
  return { normal: cell('normal'), reduce: cell('reduce') };
}

function sampleUniform(rng: Rng): EnasArc {
  const cell = () => {
    const c: number[] = [];
    for (let s = ENAS_CELL_INPUTS; s < ENAS_CELL_INPUTS + ENAS_NODES; s++) c.push(rng.int(s), rng.int(ENAS_OPS.length), rng.int(s), rng.int(ENAS_OPS.length));
    return c;
  };
  const normal = cell();
  return { normal, reduce: cell() };
}

/** One arc, normal cell then reduction cell; deterministic in `rng`. */
export function sampleEnasArc(rng: Rng, sampler: EnasSampler = 'released-code'): EnasArc {
  return sampler === 'released-code' ? sampleReleasedCode(rng) : sampleUniform(rng);
}
