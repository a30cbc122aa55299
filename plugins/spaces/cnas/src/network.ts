/**
 * CNAS evaluation networks: `EvalNetwork` and `BuildCell` of antoyang/NAS-Benchmark
 * `CNAS/darts/model.py` (l.6-253), with the ops of `ops.ts`, on naslab's engine. It imports
 * TensorFlow.js: the package entry loads it on demand (`loadCnasNetwork()`).
 */
import type * as tf from '@tensorflow/tfjs';
import { Rng, type ArchitectureCost, type ArchitectureSize, type SearchSpace } from '@naslab/core';
import {
  countFlops,
  FactorizedReduce,
  Linear,
  type Module,
  Network,
  Zero,
  type CellInfo,
  type ForwardContext,
  type NetworkOutput,
  type NetworkSpec,
  type TrainableSpace,
  type WrapOp,
  resolveStem,
  ModuleList,
  TwoInputCell,
  sumBranchPairs,
  concatChannels,
  cifarStem,
  imagenetStems,
} from '@naslab/engine';
import type { CnasGenotype } from './genotype.js';
import { AdaptiveAvgPoolFlat, cnasOpParameterCount, makeCnasOp, ReLUConvBN, type CnasOpOptions } from './ops.js';

// CNAS's two own ops, for the search network of `@naslab/method-cnas`.
export { CWeightCom, ShuffleConv, type CnasOpOptions } from './ops.js';

/** `auto`: the 224-px stem (`reduce_level 3`) for inputs of 65 px and more on the shorter side, else the CIFAR stem. */
export type CnasStem = 'auto' | 'cifar' | 'imagenet';
/** `released-code`: 2×2 adaptive pooling before the classifier above 67 classes, as `EvalNetwork`; `global`: always 1×1. */
export type CnasPooling = 'released-code' | 'global';

export interface CnasNetworkOptions extends CnasOpOptions {
  readonly stem: CnasStem;
  /** `eps` of the preprocessing BNs: the reference's `BatchNorm2d(c_out, affine)` makes it 1 (`True`). */
  readonly preprocessEps: number;
  readonly pooling: CnasPooling;
}

export const CNAS_NETWORK_DEFAULTS: CnasNetworkOptions = { stem: 'auto', shuffleGroups: 1, preprocessEps: 1, pooling: 'released-code' };

// The stem rule (`auto` → `imagenet` from 65 px on the shorter side) is the engine's, shared by every cell space.
export { IMAGENET_STEM_MIN_SIDE, resolveStem } from '@naslab/engine';
const STEM_MULTIPLIER = 3;
/** `EvalNetwork`: `gp_outsize = 2 if num_classes > 67 else 1`. */
const POOL_2X2_ABOVE_CLASSES = 67;

export function poolingSize(classes: number, pooling: CnasPooling): number {
  return pooling === 'released-code' && classes > POOL_2X2_ABOVE_CLASSES ? 2 : 1;
}

interface CellPlan {
  cPrevPrev: number;
  cPrev: number;
  c: number;
  reduction: boolean;
  reductionPrev: boolean;
  multiplier: number;
}

/** Channels of the stem output and the cells: reductions at ⌊L/3⌋ and ⌊2L/3⌋, channels doubling. */
function cellPlan(g: CnasGenotype, channels: number, cells: number): { plan: CellPlan[]; cLast: number } {
  const plan: CellPlan[] = [];
  let cPrevPrev = STEM_MULTIPLIER * channels;
  let cPrev = cPrevPrev;
  let c = channels;
  let reductionPrev = false;
  for (let i = 0; i < cells; i++) {
    const reduction = i === Math.floor(cells / 3) || i === Math.floor((2 * cells) / 3);
    if (reduction) c *= 2;
    const multiplier = (reduction ? g.reduceConcat : g.normalConcat).length;
    plan.push({ cPrevPrev, cPrev, c, reduction, reductionPrev, multiplier });
    reductionPrev = reduction;
    cPrevPrev = cPrev;
    cPrev = multiplier * c;
  }
  return { plan, cLast: cPrev };
}

/** `BuildCell`: preprocess both inputs, 2 ops per node, sum, concat the `concat` nodes. */
export class CnasCell extends TwoInputCell {
  private readonly preprocess0: Module;
  private readonly preprocess1: Module;
  private readonly ops: Module[] = [];
  private readonly indices: number[];
  private readonly concat: number[];

  constructor(rng: Rng, g: CnasGenotype, index: number, p: CellPlan, o: CnasNetworkOptions, wrapOp: WrapOp | undefined) {
    super();
    this.preprocess0 = this.child(
      'preprocess0',
      p.reductionPrev ? new FactorizedReduce(rng, p.cPrevPrev, p.c) : new ReLUConvBN(rng, p.cPrevPrev, p.c, o.preprocessEps),
    );
    this.preprocess1 = this.child('preprocess1', new ReLUConvBN(rng, p.cPrev, p.c, o.preprocessEps));
    const edges = p.reduction ? g.reduce : g.normal;
    this.concat = [...(p.reduction ? g.reduceConcat : g.normalConcat)];
    this.indices = edges.map(([, from]) => from);
    const holder = this.child('_ops', new ModuleList());
    edges.forEach(([name, from], k) => {
      let op = makeCnasOp(name, p.c, p.reduction && from < 2 ? 2 : 1, rng, o);
      // `BuildCell.forward` drops every op that is neither `Identity` nor `Zero`.
      const identity = op.isIdentity || op instanceof Zero;
      if (wrapOp) op = wrapOp(op, { cell: index, edge: k, op: name, reduction: p.reduction, identity });
      this.ops.push(holder.add(op));
    });
  }

  forward2(s0: tf.Tensor, s1: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const states = sumBranchPairs([this.preprocess0.forward(s0, ctx), this.preprocess1.forward(s1, ctx)], this.ops, this.indices, ctx);
    return concatChannels(this.concat.map((j) => states[j]!));
  }

}


export interface CnasNetworkSpec extends NetworkSpec {
  readonly options?: Partial<CnasNetworkOptions>;
}

/** `EvalNetwork` (`reduce_level` 0 for 32-px inputs, 3 for 224 px); no auxiliary head (CNAS trains without one). */
export class CnasNetwork extends Network {
  readonly cellInfo: CellInfo[] = [];
  private readonly cellModules: CnasCell[] = [];
  private readonly stem0: Module;
  private readonly stem1?: Module;
  private readonly pool: AdaptiveAvgPoolFlat;
  private readonly classifier: Linear;

  constructor(g: CnasGenotype, spec: CnasNetworkSpec) {
    super();
    const o: CnasNetworkOptions = { ...CNAS_NETWORK_DEFAULTS, ...spec.options };
    const stem = resolveStem(o.stem, spec.inputShape);
    const { rng, channels: C } = spec;
    const [h, w, cin] = spec.inputShape;
    const cStem = STEM_MULTIPLIER * C;
    if (stem === 'cifar') {
      this.stem0 = this.child('stem', cifarStem(rng, cin, cStem));
    } else {
      const stems = imagenetStems(rng, cin, cStem);
      this.stem0 = this.child('stem0', stems.stem0);
      this.stem1 = this.child('stem1', stems.stem1);
    }
    const { plan, cLast } = cellPlan(g, C, spec.cells);
    if (stem === 'imagenet') plan[0] = { ...plan[0]!, reductionPrev: true };
    let size: [number, number] = stem === 'cifar' ? [h, w] : [Math.ceil(h / 8), Math.ceil(w / 8)];
    const holder = this.child('cells', new ModuleList());
    plan.forEach((p, i) => {
      this.cellModules.push(holder.add(new CnasCell(rng, g, i, p, o, spec.hooks?.wrapOp)));
      if (p.reduction) size = [Math.ceil(size[0] / 2), Math.ceil(size[1] / 2)];
      this.cellInfo.push({ index: i, reduction: p.reduction, outputShape: [size[0], size[1], p.multiplier * p.c] });
    });
    const s = poolingSize(spec.classes, o.pooling);
    this.pool = this.child('global_pooling', new AdaptiveAvgPoolFlat(s));
    this.classifier = this.child('classifier', new Linear(rng, cLast * s * s, spec.classes));
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    const heads: Record<string, tf.Tensor> = {};
    let s0 = this.stem0.forward(x, ctx);
    let s1 = this.stem1 ? this.stem1.forward(s0, ctx) : s0;
    this.cellModules.forEach((cell, i) => {
      const out = cell.forward2(s0, s1, ctx);
      s0 = s1;
      s1 = out;
      this.afterCell(i, out, ctx, heads);
    });
    return { logits: this.classifier.forward(this.pool.forward(s1, ctx), ctx) as tf.Tensor2D, heads };
  }
}

export function buildCnasNetwork(g: CnasGenotype, spec: CnasNetworkSpec): CnasNetwork {
  return new CnasNetwork(g, spec);
}

/** Parameters of `buildCnasNetwork` (trainable, no auxiliary head), counted analytically. */
export function countCnasParameters(g: CnasGenotype, size: ArchitectureSize, options: Partial<CnasNetworkOptions> = {}): number {
  const o: CnasNetworkOptions = { ...CNAS_NETWORK_DEFAULTS, ...options };
  const C = size.channels;
  const cin = size.inputShape[2];
  const cStem = STEM_MULTIPLIER * C;
  const convBn = (i: number, out: number, k: number) => i * out * k * k + 2 * out;
  const stem = resolveStem(o.stem, size.inputShape);
  const half = Math.floor(cStem / 2);
  let n = stem === 'cifar' ? convBn(cin, cStem, 3) : convBn(cin, half, 3) + convBn(half, cStem, 3) + convBn(cStem, cStem, 3);
  const { plan, cLast } = cellPlan(g, C, size.cells);
  if (stem === 'imagenet') plan[0] = { ...plan[0]!, reductionPrev: true };
  for (const p of plan) {
    // FactorizedReduce(cIn, c) and ReLUConvBN(cIn, c, 1) have the same count: cIn·c + 2c.
    n += convBn(p.cPrevPrev, p.c, 1) + convBn(p.cPrev, p.c, 1);
    for (const [name, from] of p.reduction ? g.reduce : g.normal) {
      n += cnasOpParameterCount(name, p.c, p.reduction && from < 2 ? 2 : 1, o);
    }
  }
  const s = poolingSize(size.classes, o.pooling);
  return n + cLast * s * s * size.classes + size.classes;
}

/** Parameters and multiply-adds at `size`; FLOPs build the network and run one image on the active backend. */
export function cnasCost(
  g: CnasGenotype,
  size: ArchitectureSize,
  options: Partial<CnasNetworkOptions> & { flops?: boolean } = {},
): ArchitectureCost {
  const { flops, ...networkOptions } = options;
  const params = countCnasParameters(g, size, networkOptions);
  if (flops === false) return { params };
  const network = buildCnasNetwork(g, { ...size, options: networkOptions, rng: new Rng('naslab-cost') });
  try {
    return { params, flops: countFlops(network, size.inputShape) };
  } finally {
    network.dispose();
  }
}

/** The space with network assembly, for the engine's trainer (`TrainableSpace`). */
export function withCnasNetworks(space: SearchSpace<CnasGenotype>, options: Partial<CnasNetworkOptions> = {}): TrainableSpace<CnasGenotype> {
  return { ...space, buildNetwork: (g, spec) => buildCnasNetwork(g, { ...spec, options }) };
}
