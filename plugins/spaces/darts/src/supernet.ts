/**
 * The DARTS weight-sharing supernet (Liu, Simonyan & Yang, ICLR 2019; quark0/darts
 * `cnn/model_search.py`): its shape constants, its mask state (which ops and edges take part in
 * the mixed sums), and the derivation of a genotype from mixing weights, exactly as the
 * reference `Network.genotype()`.
 *
 * This module imports no TensorFlow.js; the network itself (`DartsSupernet`, mixed ops, search
 * cells) lives in `supernet/model.ts` and is loaded with `loadDartsSupernet()`.
 */
import type { InjectionToken } from '@naslab/core';
import { DARTS_CELL_INPUTS, DARTS_CONCAT, DARTS_NODES, DARTS_OPS, isDefaultOpSet, type CellName, type DartsOp, type Genotype } from './genotype.js';

/** Edges of a search cell: node k (state k+2) has k+2 incoming edges, 2+3+4+5 = 14. */
export const SUPERNET_EDGES = 14;
/** Candidate ops per edge (the 8 `DARTS_OPS`, in `PRIMITIVES` order). */
export const SUPERNET_OPS = DARTS_OPS.length;
export const NONE_INDEX = DARTS_OPS.indexOf('none');

/**
 * Refuses a space whose op set is not DARTS' 8: the supernet mixes exactly those, so a
 * weight-sharing search on another op set would silently search the default one.
 */
export function assertSupernetOps(space: { readonly id: string; readonly ops?: readonly string[] }, method = 'the DARTS supernet'): void {
  const ops = space.ops;
  if (!ops || isDefaultOpSet(ops)) return;
  throw new Error(
    `${method}: the supernet mixes DARTS' 8 ops (${DARTS_OPS.join(', ')}), but space '${space.id}' has the op set [${ops.join(', ')}]; ` +
      'a weight-sharing search on another op set is not supported (random sampling and training are)',
  );
}

/** First edge of node `node` (0-based intermediate node, 0–3) in the flat edge list. */
export function firstEdgeOfNode(node: number): number {
  let start = 0;
  for (let i = 0; i < node; i++) start += DARTS_CELL_INPUTS + i;
  return start;
}

/** `{ node, input }` of flat edge `edge` (node 0–3, input state 0 … node+1). */
export function edgeEndpoints(edge: number): { node: number; input: number } {
  for (let node = 0; node < DARTS_NODES; node++) {
    const start = firstEdgeOfNode(node);
    const n = DARTS_CELL_INPUTS + node;
    if (edge < start + n) return { node, input: edge - start };
  }
  throw new RangeError(`edge ${edge} out of range 0–${SUPERNET_EDGES - 1}`);
}

/** Flat edge indices feeding intermediate node `node` (0–3). */
export function edgesOfNode(node: number): number[] {
  const start = firstEdgeOfNode(node);
  return Array.from({ length: DARTS_CELL_INPUTS + node }, (_, j) => start + j);
}

/**
 * How one edge takes part in its node's sum.
 * - `candidates`: ops inside the softmax (PDARTS' switches: a dropped op is gone from the
 *   softmax and the others renormalise). Default all.
 * - `removed`: ops whose term is dropped from the mixed sum *after* the softmax, the other
 *   weights unchanged (DARTS-PT's perturbation `weights[eid] * proj_mask`).
 * - `projected`: the op the edge was fixed to (DARTS-PT `project_op`): weight 1 for it, 0 for
 *   the others, no gradient to α.
 * - `masked`: the whole edge contributes nothing (DARTS-PT `project_edge`, edge perturbation).
 */
export interface EdgeMask {
  candidates: boolean[];
  removed: boolean[];
  projected: number | null;
  masked: boolean;
}

export type SupernetMaskState = Record<CellName, EdgeMask[]>;

export function defaultEdgeMask(): EdgeMask {
  return { candidates: Array(SUPERNET_OPS).fill(true), removed: Array(SUPERNET_OPS).fill(false), projected: null, masked: false };
}

export function defaultMaskState(): SupernetMaskState {
  return {
    normal: Array.from({ length: SUPERNET_EDGES }, defaultEdgeMask),
    reduce: Array.from({ length: SUPERNET_EDGES }, defaultEdgeMask),
  };
}

/** Whether op `op` of an edge is computed at all (a structural zero is skipped). */
export function isOpActive(mask: EdgeMask, op: number): boolean {
  if (mask.masked) return false;
  if (mask.projected !== null) return op === mask.projected;
  return mask.candidates[op]! && !mask.removed[op]!;
}

/** Whether the edge's weights are the plain softmax of α (no mask of any kind). */
export function isPlainEdge(mask: EdgeMask): boolean {
  return !mask.masked && mask.projected === null && mask.candidates.every(Boolean) && !mask.removed.some(Boolean);
}

/** The mixing weights of one edge from its α row, in plain numbers (for tests and derivation). */
export function edgeMixingWeights(alpha: readonly number[], mask: EdgeMask): number[] {
  if (mask.masked) return alpha.map(() => 0);
  if (mask.projected !== null) return alpha.map((_, k) => (k === mask.projected ? 1 : 0));
  let max = Number.NEGATIVE_INFINITY;
  alpha.forEach((a, k) => {
    if (mask.candidates[k]) max = Math.max(max, a);
  });
  const e = alpha.map((a, k) => (mask.candidates[k] ? Math.exp(a - max) : 0));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v, k) => (mask.removed[k] ? 0 : v / sum));
}

/**
 * One cell's edges from its mixing weights ([14][8], `PRIMITIVES` order), as the reference
 * `genotype()._parse`: for each node, the 2 incoming edges with the largest non-`none` weight
 * (a stable sort, so ties keep the lower input), listed strongest first; for each, the op with
 * the largest non-`none` weight (the first on ties). `none` is never chosen.
 */
export function deriveCell(weights: ReadonlyArray<ArrayLike<number>>): Array<[DartsOp, number]> {
  if (weights.length !== SUPERNET_EDGES) throw new Error(`expected ${SUPERNET_EDGES} edge weight rows, got ${weights.length}`);
  const gene: Array<[DartsOp, number]> = [];
  for (let node = 0; node < DARTS_NODES; node++) {
    const start = firstEdgeOfNode(node);
    const inputs = Array.from({ length: DARTS_CELL_INPUTS + node }, (_, j) => j);
    const strength = (j: number): number => {
      const row = weights[start + j]!;
      let best = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < row.length; k++) if (k !== NONE_INDEX) best = Math.max(best, row[k]!);
      return best;
    };
    const chosen = [...inputs].sort((a, b) => strength(b) - strength(a)).slice(0, 2);
    for (const j of chosen) {
      const row = weights[start + j]!;
      let kBest = -1;
      for (let k = 0; k < row.length; k++) {
        if (k === NONE_INDEX) continue;
        if (kBest < 0 || row[k]! > row[kBest]!) kBest = k;
      }
      gene.push([DARTS_OPS[kBest]!, j]);
    }
  }
  return gene;
}

/** The genotype of a supernet from the mixing weights of its two cell types (`concat` = range(2, 6)). */
export function deriveGenotype(weights: Record<CellName, ReadonlyArray<ArrayLike<number>>>): Genotype {
  return {
    normal: deriveCell(weights.normal),
    normalConcat: [...DARTS_CONCAT],
    reduce: deriveCell(weights.reduce),
    reduceConcat: [...DARTS_CONCAT],
  };
}

export const SKIP_INDEX = DARTS_OPS.indexOf('skip_connect');

/**
 * pt.darts' cap on skip-connects in the normal cell, as antoyang/NAS-Benchmark `DARTS/search.py`
 * `main()` ("restrict skip-co") applies it after the last epoch, on raw α ([14][8], `DARTS_OPS`
 * order): the edges whose largest α (over all ops, `none` included) is `skip_connect` are
 * counted in flat edge order; while more than `max` remain, the one with the smallest skip α
 * (the first on ties) gets its skip α set to 0. Returns a copy.
 */
export function capSkipConnects(alpha: ReadonlyArray<ArrayLike<number>>, max = 2): number[][] {
  const rows = alpha.map((r) => Array.from(r));
  const skips: number[] = [];
  rows.forEach((row, e) => {
    let best = 0;
    for (let k = 1; k < row.length; k++) if (row[k]! > row[best]!) best = k;
    if (best === SKIP_INDEX) skips.push(e);
  });
  while (skips.length > max) {
    let weakest = 0;
    for (let i = 1; i < skips.length; i++) if (rows[skips[i]!]![SKIP_INDEX]! < rows[skips[weakest]!]![SKIP_INDEX]!) weakest = i;
    rows[skips[weakest]!]![SKIP_INDEX] = 0;
    skips.splice(weakest, 1);
  }
  return rows;
}

/**
 * pt.darts' genotype (`genotypes.parse` on the raw `alpha_normal` / `alpha_reduce`, after the
 * skip cap of the normal cell): the same top-2-edges / top-1-op rule as `deriveCell`, but on raw α,
 * so edges are ranked by their largest non-`none` α rather than by its softmax weight.
 */
export function derivePtDartsGenotype(alphas: Record<CellName, ReadonlyArray<ArrayLike<number>>>, maxSkips = 2): Genotype {
  return deriveGenotype({ normal: capSkipConnects(alphas.normal, maxSkips), reduce: alphas.reduce });
}

/** Options of the search-size network; defaults are the DARTS search settings. */
export interface SupernetOptions {
  /** Initial channels C (DARTS search: 16). */
  readonly channels?: number;
  /** Cells L (DARTS search: 8); reductions at ⌊L/3⌋ and ⌊2L/3⌋. */
  readonly cells?: number;
  /** Stem output = stemMultiplier · C (3). */
  readonly stemMultiplier?: number;
}

export const SUPERNET_DEFAULTS = { channels: 16, cells: 8, stemMultiplier: 3 } as const;

/**
 * The supernet network (imports TensorFlow.js: load lazily, like `loadDartsNetwork`).
 */
export function loadDartsSupernet(): Promise<typeof import('./supernet/model.js')> {
  return import('./supernet/model.js');
}

/** The bilevel supernet training (DARTS' search loop without the final derivation). */
export type SupernetTraining = typeof import('./supernet/training.js');

/**
 * The supernet training module itself (imports TensorFlow.js), for a method searching another
 * space on this supernet (P-DARTS on `pdarts`), where no `darts` space provides the service.
 */
export function loadDartsSupernetTraining(): Promise<SupernetTraining> {
  return import('./supernet/training.js');
}

/**
 * The service through which search methods train this space's supernet: the space provides it
 * (`provides` on its definition), DARTS and DARTS-PT resolve it (`resolve(DartsSupernetTraining)`),
 * so neither imports the other. Resolving it loads TensorFlow.js.
 */
export const DartsSupernetTraining = Symbol.for('naslab.space-darts.SupernetTraining') as InjectionToken<Promise<SupernetTraining>>;
