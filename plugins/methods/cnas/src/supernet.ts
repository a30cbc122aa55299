/**
 * CNAS' search network (antoyang/NAS-Benchmark `CNAS/darts/model_search.py`, `operations.py`):
 * DARTS' `Network` with 6 intermediate nodes per cell (2 + 3 + … + 7 = 27 edges), CNAS' 8 ops on
 * every edge (`MixedOp`, pools followed by an `affine=False` BN), the output the concat of the 6
 * nodes, α 27 × 8 per cell type, `1e-3·N(0, 1)`. It has the weight/α split of the DARTS supernet,
 * so `@naslab/space-darts`' `BilevelTrainer` trains it. Imports TensorFlow.js.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import {
  AvgPool,
  BatchNorm,
  DilConv,
  FactorizedReduce,
  GlobalAvgPool,
  Identity,
  Linear,
  MaxPool,
  Module,
  ModuleList,
  Network,
  SepConv,
  Sequential,
  type CellInfo,
  type ForwardContext,
  type NetworkOutput,
  type ParameterInfo,
} from '@naslab/engine';
import { alphaParameterInfos, alphaSoftmaxValues, buildSearchTrunk, initSupernetAlphas, searchCellPreprocess } from '@naslab/space-darts/supernet';
import { CNAS_CELL_INPUTS, CNAS_CONCAT, CNAS_NODES, CNAS_OPS, type CellName, type CnasEdge, type CnasGenotype, type CnasOp } from '@naslab/space-cnas';

type CnasOpsModule = Awaited<ReturnType<typeof import('@naslab/space-cnas')['loadCnasNetwork']>>;

/** Edges of a search cell: node i (state i + 2) has i + 2 incoming edges. */
export const CNAS_SUPERNET_EDGES = Array.from({ length: CNAS_NODES }, (_, i) => CNAS_CELL_INPUTS + i).reduce((a, b) => a + b, 0);
export const CNAS_NONE_INDEX = CNAS_OPS.indexOf('none');

export function cnasFirstEdgeOfNode(node: number): number {
  let start = 0;
  for (let i = 0; i < node; i++) start += CNAS_CELL_INPUTS + i;
  return start;
}

/**
 * `genotype()._parse` (CNAS `model_search.py`, as DARTS): per node the 2 incoming edges with the
 * largest non-`none` weight, strongest first (a stable sort: the lower input on ties); per edge
 * its largest non-`none` op (the first on ties).
 */
export function deriveCnasCell(weights: ReadonlyArray<ArrayLike<number>>): CnasEdge[] {
  if (weights.length !== CNAS_SUPERNET_EDGES) throw new Error(`expected ${CNAS_SUPERNET_EDGES} edge weight rows, got ${weights.length}`);
  const gene: CnasEdge[] = [];
  for (let node = 0; node < CNAS_NODES; node++) {
    const start = cnasFirstEdgeOfNode(node);
    const best = (row: ArrayLike<number>) => {
      let k = -1;
      for (let j = 0; j < row.length; j++) if (j !== CNAS_NONE_INDEX && (k < 0 || row[j]! > row[k]!)) k = j;
      return k;
    };
    const inputs = Array.from({ length: CNAS_CELL_INPUTS + node }, (_, j) => j);
    const strength = (j: number) => weights[start + j]![best(weights[start + j]!)]!;
    for (const j of [...inputs].sort((a, b) => strength(b) - strength(a)).slice(0, 2)) gene.push([CNAS_OPS[best(weights[start + j]!)]!, j]);
  }
  return gene;
}

export function deriveCnasGenotype(weights: Record<CellName, ReadonlyArray<ArrayLike<number>>>): CnasGenotype {
  return { normal: deriveCnasCell(weights.normal), normalConcat: [...CNAS_CONCAT], reduce: deriveCnasCell(weights.reduce), reduceConcat: [...CNAS_CONCAT] };
}

/** `OPS[name](C, stride, affine=False)` of the search network; pools wrapped with an `affine=False` BN. */
export function makeCnasSearchOp(name: CnasOp, c: number, stride: number, rng: Rng, ops: CnasOpsModule, shuffleGroups: number): Module | null {
  switch (name) {
    case 'none':
      return null; // Zero: its term is 0 and never computed
    case 'skip_connect':
      return stride === 1 ? new Identity() : new FactorizedReduce(rng, c, c, false);
    case 'avg_pool_3x3':
      return new Sequential([new AvgPool(3, stride, 1), new BatchNorm(c, { affine: false })]);
    case 'max_pool_3x3':
      return new Sequential([new MaxPool(3, stride, 1), new BatchNorm(c, { affine: false })]);
    case 'sep_conv_3x3':
      return new SepConv(rng, c, c, 3, stride, 1, false);
    case 'dil_conv_3x3':
      return new DilConv(rng, c, c, 3, stride, 2, 2, false);
    case 'cweight_com':
      return new ops.CWeightCom(rng, c, stride);
    case 'shuffle_conv_3x3':
      return new ops.ShuffleConv(rng, c, stride, shuffleGroups);
    default:
      throw new Error(`unknown CNAS op "${String(name)}"`);
  }
}

class CnasMixedOp extends Module {
  readonly ops: ReadonlyArray<Module | null>;
  constructor(rng: Rng, c: number, readonly stride: number, opsModule: CnasOpsModule, shuffleGroups: number) {
    super();
    const list = this.child('_ops', new ModuleList());
    this.ops = CNAS_OPS.map((name) => {
      const op = makeCnasSearchOp(name, c, stride, rng, opsModule, shuffleGroups);
      return op ? list.add(op) : null;
    });
  }
  mix(x: tf.Tensor, w: ReadonlyArray<tf.Scalar>, ctx: ForwardContext): tf.Tensor {
    const terms: tf.Tensor[] = [];
    this.ops.forEach((op, k) => {
      if (op) terms.push(tf.mul(op.forward(x, ctx), w[k]!));
    });
    return terms.length === 1 ? terms[0]! : tf.addN(terms);
  }
  forward(): tf.Tensor {
    throw new Error('CnasMixedOp needs its weights');
  }
}

class CnasSearchCell extends Module {
  readonly edges: CnasMixedOp[] = [];
  private readonly preprocess0: Module;
  private readonly preprocess1: Module;
  constructor(rng: Rng, cPrevPrev: number, cPrev: number, c: number, readonly reduction: boolean, reductionPrev: boolean, opsModule: CnasOpsModule, shuffleGroups: number) {
    super();
    const [pre0, pre1] = searchCellPreprocess(rng, cPrevPrev, cPrev, c, reductionPrev);
    this.preprocess0 = this.child('preprocess0', pre0);
    this.preprocess1 = this.child('preprocess1', pre1);
    const list = this.child('_ops', new ModuleList());
    for (let node = 0; node < CNAS_NODES; node++) {
      for (let input = 0; input < CNAS_CELL_INPUTS + node; input++) {
        this.edges.push(list.add(new CnasMixedOp(rng, c, reduction && input < 2 ? 2 : 1, opsModule, shuffleGroups)));
      }
    }
  }
  run(s0: tf.Tensor, s1: tf.Tensor, w: ReadonlyArray<ReadonlyArray<tf.Scalar>>, ctx: ForwardContext): tf.Tensor {
    const states = [this.preprocess0.forward(s0, ctx), this.preprocess1.forward(s1, ctx)];
    let offset = 0;
    for (let i = 0; i < CNAS_NODES; i++) {
      const terms = states.map((h, j) => this.edges[offset + j]!.mix(h, w[offset + j]!, ctx));
      offset += states.length;
      states.push(tf.addN(terms));
    }
    return tf.concat(states.slice(CNAS_CELL_INPUTS), 3);
  }
  forward(): tf.Tensor {
    throw new Error('CnasSearchCell takes two inputs: use run');
  }
}

export interface CnasSupernetSpec {
  readonly channels: number;
  readonly cells: number;
  readonly classes: number;
  readonly inputShape: readonly [number, number, number];
  readonly rng: Rng;
  /** `loadCnasNetwork()` of `@naslab/space-cnas` (its `CWeightCom`, `ShuffleConv`). */
  readonly ops: CnasOpsModule;
  readonly shuffleGroups: number;
  readonly stemMultiplier?: number;
}

/** The CNAS search network with α (not module parameters: the two optimisers stay apart). */
export class CnasSupernet extends Network {
  readonly cellInfo: CellInfo[];
  readonly cells: CnasSearchCell[];
  readonly alphas: Record<CellName, tf.Variable>;
  private readonly stem: Module;
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;

  constructor(spec: CnasSupernetSpec) {
    super();
    const { rng } = spec;
    const trunk = buildSearchTrunk(<M extends Module>(name: string, m: M) => this.child(name, m), {
      rng,
      channels: spec.channels,
      cells: spec.cells,
      stemMultiplier: spec.stemMultiplier ?? 3,
      inputShape: spec.inputShape,
      nodes: CNAS_NODES,
      makeCell: (cPrevPrev, cPrev, c, reduction, reductionPrev) =>
        new CnasSearchCell(rng, cPrevPrev, cPrev, c, reduction, reductionPrev, spec.ops, spec.shuffleGroups),
    });
    this.stem = trunk.stem;
    this.cells = trunk.cells;
    this.cellInfo = trunk.cellInfo;
    this.child('global_pooling', this.pool);
    this.classifier = this.child('classifier', new Linear(rng, trunk.outChannels, spec.classes));
    this.alphas = initSupernetAlphas(rng.split('alphas'), CNAS_SUPERNET_EDGES, CNAS_OPS.length);
  }

  weightParameters(): ParameterInfo[] {
    return this.parameters().filter((p) => p.trainable);
  }
  archParameters(): ParameterInfo[] {
    return alphaParameterInfos(this.alphas);
  }
  trainableWeights(): ParameterInfo[] {
    return this.weightParameters();
  }
  trainableAlphas(): ParameterInfo[] {
    return this.archParameters();
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    const scalars = (cell: CellName) => tf.unstack(tf.softmax(this.alphas[cell])).map((row) => tf.unstack(row) as tf.Scalar[]);
    const w = { normal: scalars('normal'), reduce: scalars('reduce') };
    const heads: Record<string, tf.Tensor> = {};
    let s0: tf.Tensor = this.stem.forward(x, ctx);
    let s1 = s0;
    this.cells.forEach((cell, i) => {
      const out = cell.run(s0, s1, cell.reduction ? w.reduce : w.normal, ctx);
      s0 = s1;
      s1 = out;
      this.afterCell(i, out, ctx, heads);
    });
    return { logits: this.classifier.forward(this.pool.forward(s1, ctx), ctx) as tf.Tensor2D, heads };
  }

  /** softmax(α), [27][8] per cell type. */
  alphaSoftmaxValues(): Record<CellName, number[][]> {
    return alphaSoftmaxValues(this.alphas);
  }

  genotype(): CnasGenotype {
    return deriveCnasGenotype(this.alphaSoftmaxValues());
  }

  override dispose(): void {
    super.dispose();
    this.alphas.normal.dispose();
    this.alphas.reduce.dispose();
  }
}
