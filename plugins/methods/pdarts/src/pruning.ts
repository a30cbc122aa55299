/**
 * P-DARTS' search-space approximation and regularisation, as the benchmark's
 * `PDARTS/train_search.py` codes them: after each stage the weakest ops of every edge leave the
 * edge's switches; after the last stage each edge keeps its one op, each node its 2 strongest
 * edges, and the normal cell's skip-connects are cut down one at a time. Plain numbers, no
 * TensorFlow.js. Probabilities are 8-wide rows in `DARTS_OPS` order (0 for switched-off ops).
 */
import { DARTS_CONCAT, DARTS_NODES, DARTS_OPS, edgesOfNode, NONE_INDEX, SUPERNET_EDGES, type DartsOp, type Genotype } from '@naslab/space-darts';

/** Per edge, which of the 8 ops are still in the search (the reference `switches_normal`). */
export type Switches = boolean[][];

export const SKIP_INDEX = DARTS_OPS.indexOf('skip_connect');

export function allSwitches(): Switches {
  return Array.from({ length: SUPERNET_EDGES }, () => Array(DARTS_OPS.length).fill(true));
}

/** Op indices still switched on, in `DARTS_OPS` order. */
export function activeOps(row: readonly boolean[]): number[] {
  const out: number[] = [];
  row.forEach((on, k) => {
    if (on) out.push(k);
  });
  return out;
}

/** `get_min_k`: positions of the k smallest values, the first on ties, one after another. */
export function minK(values: readonly number[], k: number): number[] {
  const w = [...values];
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    let idx = 0;
    for (let j = 1; j < w.length; j++) if (w[j]! < w[idx]!) idx = j;
    out.push(idx);
    w[idx] = Number.POSITIVE_INFINITY;
  }
  return out;
}

/** `get_min_k_no_zero`: as `minK`, but `none`, when still on, goes first. */
export function minKNoZero(values: readonly number[], ops: readonly number[], k: number): number[] {
  if (!ops.includes(NONE_INDEX)) return minK(values, k);
  // `none` is op 0, so it is position 0 of the active list
  return [0, ...minK(values.slice(1), k - 1).map((p) => p + 1)];
}

/**
 * Switch off the `drop` weakest ops of every edge by their stage probabilities (`get_min_k`; in
 * the last stage `get_min_k_no_zero`, so `none` never survives it). Returns new switches.
 */
export function pruneSwitches(switches: Switches, probs: readonly (readonly number[])[], drop: number, lastStage: boolean): Switches {
  return switches.map((row, e) => {
    const ops = activeOps(row);
    if (drop >= ops.length) throw new Error(`edge ${e}: cannot drop ${drop} of its ${ops.length} ops`);
    const w = ops.map((k) => probs[e]![k]!);
    const next = [...row];
    for (const p of lastStage ? minKNoZero(w, ops, drop) : minK(w, drop)) next[ops[p]!] = false;
    return next;
  });
}

/**
 * `keep_2_branches`: edges 0 and 1 feed node 0; every later node keeps its 2 edges with the
 * largest max probability (a stable ascending sort, last two: the later edge on ties).
 */
export function keepTwoEdges(switches: Switches, probs: readonly (readonly number[])[]): Switches {
  const strength = probs.map((row) => Math.max(...row));
  const keep = new Set<number>([0, 1]);
  for (let node = 1; node < DARTS_NODES; node++) {
    const edges = edgesOfNode(node);
    const sorted = [...edges].sort((a, b) => strength[a]! - strength[b]!);
    keep.add(sorted[sorted.length - 1]!);
    keep.add(sorted[sorted.length - 2]!);
  }
  return switches.map((row, e) => (keep.has(e) ? [...row] : row.map(() => false)));
}

/** `keep_1_on`: from the last stage's ops of each edge, drop all but one (`none` first, then the weakest). */
export function keepOneOp(lastStageSwitches: Switches, probs: readonly (readonly number[])[]): Switches {
  return lastStageSwitches.map((row, e) => {
    const ops = activeOps(row);
    const next = [...row];
    for (const p of minKNoZero(ops.map((k) => probs[e]![k]!), ops, ops.length - 1)) next[ops[p]!] = false;
    return next;
  });
}

export function skipCount(switches: Switches): number {
  return switches.filter((row) => row[SKIP_INDEX]).length;
}

/** `delete_min_sk_prob`: zero the probability of the weakest skip-connect among the chosen edges. */
export function zeroWeakestSkip(switches: Switches, probs: readonly (readonly number[])[]): number[][] {
  const out = probs.map((r) => [...r]);
  let edge = -1;
  let least = 1;
  switches.forEach((row, e) => {
    const p = row[SKIP_INDEX] ? out[e]![SKIP_INDEX]! : 1;
    if (edge < 0 || p < least) {
      edge = e;
      least = p;
    }
  });
  if (edge >= 0 && switches[edge]![SKIP_INDEX]) out[edge]![SKIP_INDEX] = 0;
  return out;
}

/** `parse_network` for one cell: each edge's single op, nodes in order, edges in order. */
export function switchesToCell(switches: Switches): Array<[DartsOp, number]> {
  const gene: Array<[DartsOp, number]> = [];
  for (let node = 0; node < DARTS_NODES; node++) {
    edgesOfNode(node).forEach((e, input) => {
      switches[e]!.forEach((on, k) => {
        if (on) gene.push([DARTS_OPS[k]!, input]);
      });
    });
  }
  return gene;
}

export interface FinalCell {
  /** The cell before the skip-connect restriction. */
  readonly unrestricted: Array<[DartsOp, number]>;
  readonly cell: Array<[DartsOp, number]>;
  /** Skip-connects removed by the restriction. */
  readonly skipsRemoved: number;
}

/**
 * The final cell from the last stage: its switches before the last pruning (`switches_*_2`), its
 * probabilities, and the switches after it (one op per edge). `none`'s probability is zeroed,
 * each node keeps its 2 strongest edges; with `maxSkips` (normal cell), while the cell has more
 * skip-connects, the weakest skip's probability is zeroed and ops and edges are chosen again.
 */
export function finalCell(lastStageSwitches: Switches, probs: readonly (readonly number[])[], prunedSwitches: Switches, maxSkips: number | null): FinalCell {
  let p = probs.map((row, e) => row.map((v, k) => (k === NONE_INDEX && lastStageSwitches[e]![NONE_INDEX] ? 0 : v)));
  let switches = keepTwoEdges(prunedSwitches, p);
  const unrestricted = switchesToCell(switches);
  let skipsRemoved = 0;
  if (maxSkips !== null) {
    while (skipCount(switches) > maxSkips) {
      p = zeroWeakestSkip(switches, p);
      switches = keepTwoEdges(keepOneOp(lastStageSwitches, p), p);
      skipsRemoved++;
      if (skipsRemoved > SUPERNET_EDGES) throw new Error('pdarts: the skip-connect restriction does not converge');
    }
  }
  return { unrestricted, cell: switchesToCell(switches), skipsRemoved };
}

export function genotypeOf(normal: Array<[DartsOp, number]>, reduce: Array<[DartsOp, number]>): Genotype {
  return { normal, normalConcat: [...DARTS_CONCAT], reduce, reduceConcat: [...DARTS_CONCAT] };
}

/** Number of ops each edge keeps after each stage, from the number it starts with (8). */
export function dropsPerStage(keep: readonly number[]): number[] {
  let have: number = DARTS_OPS.length;
  return keep.map((k) => {
    const d = have - k;
    have = k;
    return d;
  });
}
