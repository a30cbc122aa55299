/**
 * The random sampler of the CNAS baseline in "NAS evaluation is frustratingly hard"
 * (antoyang/NAS-Benchmark `CNAS/README.md`, "Generate random architectures"):
 * `Network(3, 16, 10, 20, None, num_inp_node=2, num_meta_node=6).genotype()`, the derivation of a
 * freshly initialised search network (`CNAS/darts/model_search.py` l.180-254): α = 1e-3·randn per
 * edge and op, softmax per edge; per node, the 2 incoming edges with the largest non-`none`
 * weight, each with its best non-`none` op, listed strongest first.
 *
 * With i.i.d. α that is: per node an ordered pair of distinct inputs uniform over the ordered pairs
 * (the order is the strength order, itself uniform), each edge's op uniform over the 7 non-`none`
 * ops and independent of the inputs. `released-code` draws exactly that; `uniform-8` draws the op
 * over all 8 ops (the paper's "uniformly at random").
 */
import type { Rng } from '@naslab/core';
import { CNAS_CELL_INPUTS, CNAS_CONCAT, CNAS_NODES, CNAS_OPS, type CnasEdge, type CnasGenotype, type CnasOp } from './genotype.js';

export const CNAS_SAMPLING_MODES = ['released-code', 'uniform-8'] as const;
export type CnasSampling = (typeof CNAS_SAMPLING_MODES)[number];

/** The 7 ops the released code's derivation can pick (all but `none`). */
export const CNAS_NON_NONE_OPS: readonly CnasOp[] = CNAS_OPS.filter((op) => op !== 'none');

export function cnasSamplingOps(mode: CnasSampling): readonly CnasOp[] {
  return mode === 'uniform-8' ? CNAS_OPS : CNAS_NON_NONE_OPS;
}

function sampleCell(rng: Rng, ops: readonly CnasOp[]): CnasEdge[] {
  const edges: CnasEdge[] = [];
  for (let k = 0; k < CNAS_NODES; k++) {
    // a uniformly ordered pair: the strength order of two i.i.d. edges
    const [first, second] = rng.sampleWithoutReplacement(CNAS_CELL_INPUTS + k, 2) as [number, number];
    edges.push([rng.choice(ops), first], [rng.choice(ops), second]);
  }
  return edges;
}

/** One genotype; normal and reduction cells are drawn independently. Deterministic in `rng`. */
export function sampleCnasGenotype(rng: Rng, mode: CnasSampling = 'released-code'): CnasGenotype {
  const ops = cnasSamplingOps(mode);
  const normal = sampleCell(rng, ops);
  const reduce = sampleCell(rng, ops);
  return { normal, normalConcat: [...CNAS_CONCAT], reduce, reduceConcat: [...CNAS_CONCAT] };
}
