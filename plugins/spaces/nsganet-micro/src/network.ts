/**
 * NSGA-Net micro evaluation networks: `PyramidNetworkCIFAR` and `NetworkImageNet` with `Cell`,
 * `SELayer` and `OPS` of antoyang/NAS-Benchmark `NSGANET/models/micro_models.py` and
 * `micro_operations.py` (quark0/darts' networks with NSGA-Net's additions), on naslab's engine.
 * It imports TensorFlow.js: the package entry loads it on demand.
 */
import type * as tf from '@tensorflow/tfjs';
import { Rng, type ArchitectureCost, type ArchitectureSize, type SearchSpace } from '@naslab/core';
import {
  AvgPool,
  BatchNorm,
  countFlops,
  DilConv,
  FactorizedReduce,
  GlobalAvgPool,
  Identity,
  Linear,
  MaxPool,
  type Module,
  Network,
  RectConv2d,
  ReLU,
  ReLUConvBN,
  SepConv,
  Sequential,
  SqueezeExcitation,
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
import { looseEnds, NSGANET_CELL_INPUTS, NSGANET_OPS, type NsganetGenome } from './genome.js';

/** `auto`: `NetworkImageNet` for inputs of 65 px and more on the shorter side, else `PyramidNetworkCIFAR`. */
export type NsganetStem = 'auto' | 'cifar' | 'imagenet';

export interface NsganetNetworkOptions {
  readonly stem: NsganetStem;
  /** `--SE`: squeeze-and-excitation on every cell output (CIFAR network only). */
  readonly se: boolean;
  /** `--filter_increment`: channels added after every cell (CIFAR network only; no doubling). */
  readonly filterIncrement: number;
  /** Double the channels at the reductions on 32-px inputs too: the `NetworkCIFAR` NSGA-Net's search trains (`micro_models.NetworkCIFAR`). */
  readonly doubleAtReductions?: boolean;
}

/** The seed paper's setting: 34 channels (the size), +4 per cell, SE. */
export const NSGANET_NETWORK_DEFAULTS: NsganetNetworkOptions = { stem: 'auto', se: true, filterIncrement: 4 };
// The stem rule (`auto` → `imagenet` from 65 px on the shorter side) is the engine's, shared by every cell space.
export { IMAGENET_STEM_MIN_SIDE, resolveStem } from '@naslab/engine';
const STEM_MULTIPLIER = 3;

/** `OPS[name](C, stride, True)` of `micro_operations.py`. */
export function makeNsganetOp(id: number, c: number, stride: number, rng: Rng): Module {
  switch (NSGANET_OPS[id]) {
    case 'max_pool_3x3':
      return new MaxPool(3, stride, 1);
    case 'avg_pool_3x3':
      return new AvgPool(3, stride, 1);
    case 'skip_connect':
      return stride === 1 ? new Identity() : new FactorizedReduce(rng, c, c);
    case 'sep_conv_3x3':
      return new SepConv(rng, c, c, 3, stride, 1);
    case 'sep_conv_5x5':
      return new SepConv(rng, c, c, 5, stride, 2);
    case 'dil_conv_3x3':
      return new DilConv(rng, c, c, 3, stride, 2, 2);
    case 'dil_conv_5x5':
      return new DilConv(rng, c, c, 5, stride, 4, 2);
    case 'sep_conv_7x7':
      return new SepConv(rng, c, c, 7, stride, 3);
    case 'conv_7x1_1x7':
      // ReLU, 1×7 conv stride (1, s), 7×1 conv stride (s, 1), one BN (no BN in between, unlike NAO's)
      return new Sequential([new ReLU(), new RectConv2d(rng, c, [1, 7], [1, stride], [0, 3]), new RectConv2d(rng, c, [7, 1], [stride, 1], [3, 0]), new BatchNorm(c)]);
    default:
      throw new Error(`unknown NSGA-Net op ${id} (0–${NSGANET_OPS.length - 1})`);
  }
}

/** Parameters of `makeNsganetOp(id, C, stride)`. */
export function nsganetOpParameterCount(id: number, c: number, stride: number): number {
  const sep = (k: number) => 2 * (k * k * c + c * c + 2 * c);
  const dil = (k: number) => k * k * c + c * c + 2 * c;
  switch (NSGANET_OPS[id]) {
    case 'skip_connect':
      return stride === 1 ? 0 : c * c + 2 * c;
    case 'sep_conv_3x3':
      return sep(3);
    case 'sep_conv_5x5':
      return sep(5);
    case 'sep_conv_7x7':
      return sep(7);
    case 'dil_conv_3x3':
      return dil(3);
    case 'dil_conv_5x5':
      return dil(5);
    case 'conv_7x1_1x7':
      return 14 * c * c + 2 * c;
    case 'max_pool_3x3':
    case 'avg_pool_3x3':
      return 0;
    default:
      throw new Error(`unknown NSGA-Net op ${id} (0–${NSGANET_OPS.length - 1})`);
  }
}

interface CellPlan {
  readonly reduction: boolean;
  readonly reductionPrev: boolean;
  readonly channels: number;
  readonly inChannels: readonly [number, number];
  readonly concat: readonly number[];
  readonly se: boolean;
  readonly outShape: readonly [number, number, number];
}

/** Channels and resolutions of every cell, as the two constructors loop. */
function networkPlan(g: NsganetGenome, size: ArchitectureSize, stem: 'cifar' | 'imagenet', o: NsganetNetworkOptions): CellPlan[] {
  const L = size.cells;
  let [h, w] = size.inputShape;
  let cPrevPrev: number;
  let cPrev: number;
  let reductionPrev: boolean;
  if (stem === 'cifar') {
    cPrevPrev = cPrev = STEM_MULTIPLIER * size.channels;
    reductionPrev = false;
  } else {
    cPrevPrev = cPrev = size.channels;
    reductionPrev = true;
    h = Math.ceil(h / 8);
    w = Math.ceil(w / 8);
  }
  let c = size.channels;
  const plans: CellPlan[] = [];
  for (let i = 0; i < L; i++) {
    const reduction = i === Math.floor(L / 3) || i === Math.floor((2 * L) / 3);
    // NetworkImageNet doubles at the reductions; PyramidNetworkCIFAR does not (`# C_curr *= 2`).
    if (reduction && (stem === 'imagenet' || o.doubleAtReductions)) c *= 2;
    if (reduction) {
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
    }
    const concat = looseEnds(reduction ? g.reduce : g.normal);
    const plan: CellPlan = {
      reduction,
      reductionPrev,
      channels: c,
      inChannels: [cPrevPrev, cPrev],
      concat,
      se: stem === 'cifar' && o.se,
      outShape: [h, w, concat.length * c],
    };
    plans.push(plan);
    reductionPrev = reduction;
    cPrevPrev = cPrev;
    cPrev = plan.outShape[2];
    if (stem === 'cifar') c += o.filterIncrement;
  }
  return plans;
}


/** NSGA-Net's `Cell`: preprocess, B blocks of 2 units summed, the loose ends concatenated, SE. */
export class NsganetCell extends TwoInputCell {
  private readonly preprocess0: Module;
  private readonly preprocess1: Module;
  private readonly units: Module[] = [];
  private readonly inputs: number[] = [];
  private readonly se?: SqueezeExcitation;

  constructor(rng: Rng, cell: readonly number[], readonly plan: CellPlan, index: number, wrapOp: WrapOp | undefined) {
    super();
    const C = plan.channels;
    const [cpp, cp] = plan.inChannels;
    this.preprocess0 = this.child('preprocess0', plan.reductionPrev ? new FactorizedReduce(rng, cpp, C) : new ReLUConvBN(rng, cpp, C, 1, 1, 0));
    this.preprocess1 = this.child('preprocess1', new ReLUConvBN(rng, cp, C, 1, 1, 0));
    const ops = this.child('_ops', new ModuleList());
    for (let u = 0; u < cell.length / 2; u++) {
      const id = cell[2 * u]!;
      const from = cell[2 * u + 1]!;
      const stride = plan.reduction && from < NSGANET_CELL_INPUTS ? 2 : 1;
      let op = makeNsganetOp(id, C, stride, rng);
      // drop_path skips `Identity` modules only: a stride-2 skip_connect (FactorizedReduce) is dropped
      if (wrapOp) op = wrapOp(op, { cell: index, edge: u, op: NSGANET_OPS[id]!, reduction: plan.reduction, identity: op.isIdentity });
      this.units.push(ops.add(op));
      this.inputs.push(from);
    }
    if (plan.se) this.se = this.child('se_layer', new SqueezeExcitation(rng, plan.concat.length * C));
  }

  forward2(s0: tf.Tensor, s1: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const states = sumBranchPairs([this.preprocess0.forward(s0, ctx), this.preprocess1.forward(s1, ctx)], this.units, this.inputs, ctx);
    const out = concatChannels(this.plan.concat.map((s) => states[s]!));
    return this.se ? this.se.forward(out, ctx) : out;
  }

}

export interface NsganetNetworkSpec extends NetworkSpec {
  readonly options?: Partial<NsganetNetworkOptions>;
}

/** `PyramidNetworkCIFAR` (32-px inputs) or `NetworkImageNet` (224 px); the auxiliary head is the `auxiliary-tower` trick's. */
export class NsganetNetwork extends Network {
  readonly cellInfo: CellInfo[] = [];
  private readonly cellModules: NsganetCell[] = [];
  private readonly stem0: Module;
  private readonly stem1?: Module;
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;

  constructor(g: NsganetGenome, spec: NsganetNetworkSpec) {
    super();
    const o: NsganetNetworkOptions = { ...NSGANET_NETWORK_DEFAULTS, ...spec.options };
    const stem = resolveStem(o.stem, spec.inputShape);
    const { rng, channels: C } = spec;
    const cin = spec.inputShape[2];
    if (stem === 'cifar') {
      this.stem0 = this.child('stem', cifarStem(rng, cin, STEM_MULTIPLIER * C));
    } else {
      const stems = imagenetStems(rng, cin, C);
      this.stem0 = this.child('stem0', stems.stem0);
      this.stem1 = this.child('stem1', stems.stem1);
    }
    const plans = networkPlan(g, spec, stem, o);
    const cells = this.child('cells', new ModuleList());
    plans.forEach((p, i) => {
      this.cellModules.push(cells.add(new NsganetCell(rng, p.reduction ? g.reduce : g.normal, p, i, spec.hooks?.wrapOp)));
      this.cellInfo.push({ index: i, reduction: p.reduction, outputShape: p.outShape });
    });
    this.child('global_pooling', this.pool);
    this.classifier = this.child('classifier', new Linear(rng, plans.at(-1)!.outShape[2], spec.classes));
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

export function buildNsganetNetwork(g: NsganetGenome, spec: NsganetNetworkSpec): NsganetNetwork {
  return new NsganetNetwork(g, spec);
}

/** Trainable parameters of `buildNsganetNetwork`, auxiliary head excluded (`"auxiliary" not in name`), analytically. */
export function countNsganetParameters(g: NsganetGenome, size: ArchitectureSize, options: Partial<NsganetNetworkOptions> = {}): number {
  const o = { ...NSGANET_NETWORK_DEFAULTS, ...options };
  const stem = resolveStem(o.stem, size.inputShape);
  const C = size.channels;
  const cin = size.inputShape[2];
  const convBn = (i: number, out: number, k: number) => i * out * k * k + 2 * out;
  const half = Math.floor(C / 2);
  let n = stem === 'cifar' ? convBn(cin, STEM_MULTIPLIER * C, 3) : convBn(cin, half, 3) + convBn(half, C, 3) + convBn(C, C, 3);
  const plans = networkPlan(g, size, stem, o);
  for (const p of plans) {
    const c = p.channels;
    // FactorizedReduce(cIn, c) and ReLUConvBN(cIn, c, 1) both have cIn·c + 2c parameters
    n += convBn(p.inChannels[0], c, 1) + convBn(p.inChannels[1], c, 1);
    const cell = p.reduction ? g.reduce : g.normal;
    for (let u = 0; u < cell.length / 2; u++) n += nsganetOpParameterCount(cell[2 * u]!, c, p.reduction && cell[2 * u + 1]! < NSGANET_CELL_INPUTS ? 2 : 1);
    if (p.se) {
      const m = p.concat.length * c;
      n += 2 * m * Math.floor(m / 16);
    }
  }
  const last = plans.at(-1)!.outShape[2];
  return n + last * size.classes + size.classes;
}

/** Parameters and multiply-adds of one image at `size` (FLOPs build the network and run it once). */
export function nsganetCost(g: NsganetGenome, size: ArchitectureSize, options: Partial<NsganetNetworkOptions> & { flops?: boolean } = {}): ArchitectureCost {
  const { flops, ...networkOptions } = options;
  const params = countNsganetParameters(g, size, networkOptions);
  if (flops === false) return { params };
  const network = buildNsganetNetwork(g, { ...size, options: networkOptions, rng: new Rng('naslab-cost') });
  try {
    return { params, flops: countFlops(network, size.inputShape) };
  } finally {
    network.dispose();
  }
}

/** The space with network assembly, for the engine's trainer. */
export function withNsganetNetworks(space: SearchSpace<NsganetGenome>, options: Partial<NsganetNetworkOptions> = {}): TrainableSpace<NsganetGenome> {
  return { ...space, buildNetwork: (g, spec) => buildNsganetNetwork(g, { ...spec, options }) };
}
