/**
 * A cell as a graph, the report's space-neutral input for cell diagrams: any space can describe
 * its cells this way. DARTS-family genotypes (DARTS, P-DARTS, CNAS: `{ normal, normalConcat,
 * reduce, reduceConcat }`, two `[op, input]` edges per intermediate node) convert with
 * {@link genotypeCellGraphs}, named as the DARTS code's `visualize.py` names them.
 */

export type CellNodeRole = 'input' | 'intermediate' | 'output';

export interface CellGraphNode {
  readonly id: string;
  readonly label: string;
  readonly role: CellNodeRole;
}

export interface CellGraphEdge {
  readonly from: string;
  readonly to: string;
  /** The operation on the edge (none for a plain connection, e.g. into the concatenation). */
  readonly label?: string;
}

export interface CellGraph {
  /** Which cell, e.g. "normal" or "reduction". */
  readonly name: string;
  readonly nodes: readonly CellGraphNode[];
  readonly edges: readonly CellGraphEdge[];
}

/** Cell diagrams of one architecture of a study. */
export interface ArchitectureCells {
  /** e.g. "fashion-mnist / darts / seed 0 #0". */
  readonly title: string;
  readonly dataset: string;
  readonly method: string;
  readonly kind: 'random' | 'searched';
  /** Test accuracy (%) after training from scratch, where known. */
  readonly accuracy?: number;
  readonly cells: readonly CellGraph[];
}

type Edge = readonly [string, number];

/** The genotype shape of the DARTS-family spaces (DARTS `genotypes.py`'s `Genotype`). */
export interface DartsFamilyGenotype {
  readonly normal: readonly Edge[];
  readonly normalConcat: readonly number[];
  readonly reduce: readonly Edge[];
  readonly reduceConcat: readonly number[];
}

/** DARTS-family cells hold two incoming edges per intermediate node. */
const EDGES_PER_NODE = 2;
const CELL_INPUTS = ['c_{k-2}', 'c_{k-1}'] as const;
const CELL_OUTPUT = 'c_{k}';

const isEdgeList = (x: unknown): x is Edge[] =>
  Array.isArray(x) && x.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && Number.isInteger(e[1]));
const isIndexList = (x: unknown): x is number[] => Array.isArray(x) && x.every((i) => Number.isInteger(i));

/** Whether `x` has the DARTS-family genotype shape (what `space.parse` gives for those spaces). */
export function isDartsFamilyGenotype(x: unknown): x is DartsFamilyGenotype {
  if (typeof x !== 'object' || x === null) return false;
  const g = x as Record<string, unknown>;
  return isEdgeList(g.normal) && isEdgeList(g.reduce) && isIndexList(g.normalConcat) && isIndexList(g.reduceConcat);
}

/** The node a state index names: 0 and 1 are the cell inputs, 2… the intermediate nodes 0…. */
function stateNode(state: number): string {
  return state < CELL_INPUTS.length ? CELL_INPUTS[state]! : String(state - CELL_INPUTS.length);
}

/**
 * One cell as `visualize.py` draws it: inputs c_{k-2}, c_{k-1}; intermediate nodes 0…n−1, node i
 * fed by flat edges 2i and 2i+1, each labelled with its op; the concatenated nodes into c_{k}.
 * Throws naming the cell and edge if an edge reads a node that is not computed before it.
 */
export function dartsCellGraph(name: string, edges: readonly Edge[], concat: readonly number[]): CellGraph {
  if (edges.length === 0 || edges.length % EDGES_PER_NODE !== 0) {
    throw new Error(`${name} cell: ${edges.length} edges; a DARTS-family cell has ${EDGES_PER_NODE} per intermediate node`);
  }
  const steps = edges.length / EDGES_PER_NODE;
  const nodes: CellGraphNode[] = [
    ...CELL_INPUTS.map((id) => ({ id, label: id, role: 'input' as const })),
    ...Array.from({ length: steps }, (_, i) => ({ id: String(i), label: String(i), role: 'intermediate' as const })),
    { id: CELL_OUTPUT, label: CELL_OUTPUT, role: 'output' },
  ];
  const out: CellGraphEdge[] = edges.map(([op, input], e) => {
    const step = Math.floor(e / EDGES_PER_NODE);
    if (input < 0 || input >= CELL_INPUTS.length + step) {
      throw new Error(`${name} cell, edge ${e}: input ${input} is not computed before intermediate node ${step}`);
    }
    return { from: stateNode(input), to: String(step), label: op };
  });
  for (const s of concat) {
    if (s < CELL_INPUTS.length || s >= CELL_INPUTS.length + steps) throw new Error(`${name} cell: concat holds ${s}, not an intermediate node`);
    out.push({ from: stateNode(s), to: CELL_OUTPUT });
  }
  return { name, nodes, edges: out };
}

/** The normal and the reduction cell of a DARTS-family genotype. */
export function genotypeCellGraphs(g: DartsFamilyGenotype): CellGraph[] {
  return [dartsCellGraph('normal', g.normal, g.normalConcat), dartsCellGraph('reduction', g.reduce, g.reduceConcat)];
}
