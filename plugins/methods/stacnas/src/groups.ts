/**
 * StacNAS' operation groups (susan0199/StacNAS `genotypes.py` `OPS_DICT`, `search.py`): stage 1
 * mixes one representative per group of correlated ops; stage 2 gives every edge the ops of the
 * group its stage-1 α chose. Plain numbers, no TensorFlow.js; ops are `DARTS_OPS` indices.
 */
import { DARTS_OPS, NONE_INDEX, type DartsOp } from '@naslab/space-darts';

/** Stage-1 representatives, in the reference's order: max pooling, identity, sep 3×3, dilated 3×3, zero. */
export const STACNAS_REPRESENTATIVES: readonly DartsOp[] = ['max_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3', 'none'];

/**
 * The group each representative stands for (`OPS_DICT`). The reference's skip group is
 * `[skip_connect, skip_connect, none]` (a duplicated entry); one supernet edge holds each op once,
 * so here it is `[skip_connect, none]`.
 */
export const STACNAS_GROUPS: Readonly<Record<string, readonly DartsOp[]>> = {
  max_pool_3x3: ['avg_pool_3x3', 'max_pool_3x3', 'none'],
  skip_connect: ['skip_connect', 'none'],
  sep_conv_3x3: ['sep_conv_3x3', 'sep_conv_5x5', 'none'],
  dil_conv_3x3: ['dil_conv_3x3', 'dil_conv_5x5', 'none'],
};

const index = (op: DartsOp) => (DARTS_OPS as readonly DartsOp[]).indexOf(op);

/** Candidate flags (8, `DARTS_OPS` order) of a set of ops. */
export function candidatesOf(ops: readonly DartsOp[]): boolean[] {
  const flags: boolean[] = Array(DARTS_OPS.length).fill(false);
  for (const op of ops) flags[index(op)] = true;
  return flags;
}

/** The stage-1 candidates of every edge: the 5 representatives. */
export function stageOneCandidates(): boolean[] {
  return candidatesOf(STACNAS_REPRESENTATIVES);
}

/**
 * The group an edge's stage-1 α choose: the argmax of the raw α over the first 4
 * representatives (`none` excluded, so the zero group is never chosen; the first on ties).
 */
export function chosenRepresentative(alpha: readonly number[]): DartsOp {
  let best: DartsOp = STACNAS_REPRESENTATIVES[0]!;
  for (const op of STACNAS_REPRESENTATIVES.slice(0, 4)) if (alpha[index(op)]! > alpha[index(best)]!) best = op;
  return best;
}

export function groupOf(representative: DartsOp): readonly DartsOp[] {
  const g = STACNAS_GROUPS[representative];
  if (!g) throw new Error(`stacnas: '${representative}' represents no group`);
  return g;
}

/**
 * The final cell (`genotypes.parse`): per edge the op of largest raw α among its candidates but
 * `none`; per node the 2 edges whose such α is largest (raw values, not softmax), strongest first.
 */
export function deriveStacnasCell(alphas: readonly (readonly number[])[], candidates: readonly (readonly boolean[])[], edgesOfNode: (node: number) => number[], nodes: number): Array<[DartsOp, number]> {
  const best = alphas.map((row, e) => {
    let k = -1;
    row.forEach((v, j) => {
      if (j !== NONE_INDEX && candidates[e]![j] && (k < 0 || v > row[k]!)) k = j;
    });
    return k;
  });
  const gene: Array<[DartsOp, number]> = [];
  for (let node = 0; node < nodes; node++) {
    const edges = edgesOfNode(node);
    const ranked = edges.map((e, input) => ({ e, input })).sort((a, b) => alphas[b.e]![best[b.e]!]! - alphas[a.e]![best[a.e]!]! || a.input - b.input);
    for (const { e, input } of ranked.slice(0, 2)) gene.push([DARTS_OPS[best[e]!]!, input]);
  }
  return gene;
}
