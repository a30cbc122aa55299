/**
 * Uniform random sampling of DARTS genotypes, the baseline of Yang, Esperança & Carlucci, "NAS
 * evaluation is frustratingly hard" (ICLR 2020).
 *
 * The paper says each edge's op is drawn uniformly among the 8 DARTS ops. The released code
 * (antoyang/NAS-Benchmark, `PC-DARTS/README.md`, "Generate a Random Architecture") instead
 * excludes `none` and keeps one op out of the 7 others per edge, and per intermediate node keeps
 * 2 distinct input states drawn uniformly; the genotype lists a node's two edges by increasing
 * input. `released-code` (the default) does that; `uniform-8` is the paper's wording (same
 * inputs, op uniform over all 8 ops, so a sampled edge may be `none`).
 */
import type { Rng } from '@naslab/core';
import {
  DARTS_CELL_INPUTS,
  DARTS_CONCAT,
  DARTS_NODES,
  DARTS_OPS,
  type DartsOp,
  type Genotype,
} from './genotype.js';

export const DARTS_SAMPLING_MODES = ['released-code', 'uniform-8'] as const;
export type DartsSampling = (typeof DARTS_SAMPLING_MODES)[number];

/** The 7 ops the released code draws from (all but `none`). */
export const NON_NONE_OPS: readonly DartsOp[] = DARTS_OPS.filter((op) => op !== 'none');

/**
 * The ops an edge draws from under `mode`, out of the space's op set `ops` (default DARTS' 8):
 * `released-code` all but `none`, `uniform-8` all of them (with a non-default set, "uniform over
 * the set, `none` included").
 */
export function samplingOps(mode: DartsSampling, ops: readonly DartsOp[] = DARTS_OPS): readonly DartsOp[] {
  if (ops === DARTS_OPS) return mode === 'uniform-8' ? DARTS_OPS : NON_NONE_OPS;
  return mode === 'uniform-8' ? ops : ops.filter((op) => op !== 'none');
}

function sampleCell(rng: Rng, ops: readonly DartsOp[]): Array<[DartsOp, number]> {
  const edges: Array<[DartsOp, number]> = [];
  for (let k = 0; k < DARTS_NODES; k++) {
    const states = DARTS_CELL_INPUTS + k;
    const inputs = rng.sampleWithoutReplacement(states, 2).sort((a, b) => a - b);
    for (const input of inputs) edges.push([rng.choice(ops), input]);
  }
  return edges;
}

/**
 * One genotype; normal and reduction cells are drawn independently, edges from the op set `ops`
 * (see `samplingOps`). Deterministic in `rng`.
 */
export function sampleGenotype(rng: Rng, mode: DartsSampling = 'released-code', ops: readonly DartsOp[] = DARTS_OPS): Genotype {
  const drawn = samplingOps(mode, ops);
  if (drawn.length === 0) throw new Error(`darts: the op set [${ops.join(', ')}] leaves no op to sample under sampling '${mode}'`);
  const normal = sampleCell(rng, drawn);
  const reduce = sampleCell(rng, drawn);
  return { normal, normalConcat: [...DARTS_CONCAT], reduce, reduceConcat: [...DARTS_CONCAT] };
}

/**
 * How many distinct genotypes `mode` can produce: per cell, the input pairs
 * (1 · 3 · 6 · 10 = 180) times ops^8, squared for the two cells.
 */
export function sampleSpaceSize(mode: DartsSampling = 'released-code', ops: readonly DartsOp[] = DARTS_OPS): number {
  let pairs = 1;
  for (let k = 0; k < DARTS_NODES; k++) {
    const n = DARTS_CELL_INPUTS + k;
    pairs *= (n * (n - 1)) / 2;
  }
  const perCell = pairs * samplingOps(mode, ops).length ** (DARTS_NODES * 2);
  return perCell * perCell;
}
