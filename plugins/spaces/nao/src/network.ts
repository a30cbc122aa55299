/**
 * NAO evaluation networks: `NASNetworkCIFAR` / `NASNetworkImageNet`, `Cell`, `Node`,
 * `MaybeCalibrateSize` and `FinalCombine` of antoyang/NAS-Benchmark `NAO/model.py` and
 * `NAO/operations.py`, on naslab's engine. It imports TensorFlow.js: the package entry loads it
 * on demand (`loadNaoNetwork()`).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, type ArchitectureCost, type ArchitectureSize, type SearchSpace } from '@naslab/core';
import {
  Conv2d,
  countFlops,
  Dropout,
  GlobalAvgPool,
  Linear,
  type Module,
  Network,
  PaddedFactorizedReduce,
  RectConv2d,
  ReLUConvBN,
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
import { isIdentityOp, looseEnds, NAO_CELL_INPUTS, NAO_NODES, NAO_OPS, type NaoArch } from './arch.js';
import { makeNaoOp, naoOpParameterCount } from './ops.js';

/** `auto`: the 224-px stem (`NASNetworkImageNet`) for inputs of 65 px and more on the shorter side, else the CIFAR stem. */
export type NaoStem = 'auto' | 'cifar' | 'imagenet';

/**
 * Which node branches drop-path leaves alone:
 * - `released-code`: those whose *input index* is 4 or 5, as the benchmark's `Node.forward`
 *   (`if self.x_id not in [4, 5]`, meant for the identity op ids), so identities are dropped too;
 * - `identity` (default): the identity ops (ids 4, 5), what the guard meant, and what the search
 *   supernet's `Node.forward` tests (`x_op != 4`);
 * - `none`: no branch, as upstream NAO_pytorch after it removed the guard (2020-03-16).
 */
export type NaoDropPathExemption = 'released-code' | 'identity' | 'none';

/** `kaiming-normal`: every ≥ 2-D weight ~ N(0, 2/fan_in), as `init_parameters`; `pytorch-default`: the engine's default. */
export type NaoInit = 'kaiming-normal' | 'pytorch-default';

export interface NaoNetworkOptions {
  readonly stem: NaoStem;
  readonly dropPathExempt: NaoDropPathExemption;
  /** Dropout before the classifier, 1 − `keep_prob` (the benchmark's augment commands: 1 − 0.6). */
  readonly dropout: number;
  readonly init: NaoInit;
}

export const NAO_NETWORK_DEFAULTS: NaoNetworkOptions = { stem: 'auto', dropPathExempt: 'identity', dropout: 0.4, init: 'kaiming-normal' };

// The stem rule (`auto` → `imagenet` from 65 px on the shorter side) is the engine's, shared by every cell space.
export { IMAGENET_STEM_MIN_SIDE, resolveStem } from '@naslab/engine';
const STEM_MULTIPLIER = 3;

type Shape = readonly [number, number, number];

/** What one cell builds, from the shapes of its two inputs (`MaybeCalibrateSize`, `Node`, `FinalCombine`). */
interface CellPlan {
  readonly reduction: boolean;
  readonly channels: number;
  /** prev-prev: ReLU + FactorizedReduce (resolution differs), ReLU-1×1-BN (channels differ), or as is. */
  readonly calibrateX: 'reduce' | 'conv' | null;
  readonly calibrateY: 'conv' | null;
  readonly inChannels: readonly [number, number];
  readonly concat: readonly number[];
  /** Loose ends at the larger resolution (cell inputs of a reduction cell), each FactorizedReduce'd. */
  readonly combine: readonly number[];
  readonly outShape: Shape;
}

function planCell(cell: readonly number[], prev: readonly [Shape, Shape], channels: number, reduction: boolean): CellPlan {
  const [x, y] = prev;
  // `MaybeCalibrateSize` compares heights, then channels; both inputs end at y's resolution.
  const calibrateX = x[0] !== y[0] ? 'reduce' : x[2] !== channels ? 'conv' : null;
  const calibrateY = y[2] !== channels ? 'conv' : null;
  const input: [number, number] = [y[0], y[1]];
  const reduced: [number, number] = [Math.ceil(y[0] / 2), Math.ceil(y[1] / 2)];
  const sizes: Array<[number, number]> = [input, input];
  for (let i = 0; i < NAO_NODES; i++) {
    const from = cell[4 * i]!;
    sizes.push(reduction && from < NAO_CELL_INPUTS ? reduced : sizes[from]!);
  }
  const concat = looseEnds(cell);
  const out = concat.map((s) => sizes[s]!).reduce((a, b) => (b[0] < a[0] ? b : a));
  return {
    reduction,
    channels,
    calibrateX,
    calibrateY,
    inChannels: [x[2], y[2]],
    concat,
    combine: concat.filter((s) => sizes[s]![0] > out[0]),
    outShape: [out[0], out[1], channels * concat.length],
  };
}

/** Shapes and channels of every cell: reductions at ⌊L/3⌋ and ⌊2L/3⌋ (= NAO's N and 2N + 1 for L = 3N + 2), channels doubling. */
function networkPlan(a: NaoArch, size: ArchitectureSize, stem: 'cifar' | 'imagenet'): CellPlan[] {
  const [h, w] = size.inputShape;
  const C = size.channels;
  let prev: [Shape, Shape] =
    stem === 'cifar'
      ? [[h, w, STEM_MULTIPLIER * C], [h, w, STEM_MULTIPLIER * C]]
      : [[Math.ceil(h / 4), Math.ceil(w / 4), C], [Math.ceil(h / 8), Math.ceil(w / 8), C]];
  let channels = C;
  const plans: CellPlan[] = [];
  for (let i = 0; i < size.cells; i++) {
    const reduction = i === Math.floor(size.cells / 3) || i === Math.floor((2 * size.cells) / 3);
    if (reduction) channels *= 2;
    const plan = planCell(reduction ? a.reduce : a.normal, prev, channels, reduction);
    plans.push(plan);
    prev = [prev[1], plan.outShape];
  }
  return plans;
}


/** NAO's `Cell`: calibrate both inputs, 5 nodes of 2 branches, concat the loose ends. */
export class NaoCell extends TwoInputCell {
  private readonly calibrateX?: Module;
  private readonly calibrateY?: Module;
  private readonly branches: Module[] = [];
  private readonly inputs: number[] = [];
  private readonly combine = new Map<number, Module>();
  readonly plan: CellPlan;

  constructor(rng: Rng, cell: readonly number[], plan: CellPlan, index: number, o: NaoNetworkOptions, wrapOp: WrapOp | undefined) {
    super();
    this.plan = plan;
    const C = plan.channels;
    if (plan.calibrateX === 'reduce') this.calibrateX = this.child('preprocess_x', new PaddedFactorizedReduce(rng, plan.inChannels[0], C, true));
    if (plan.calibrateX === 'conv') this.calibrateX = this.child('preprocess_x', new ReLUConvBN(rng, plan.inChannels[0], C, 1, 1, 0));
    if (plan.calibrateY === 'conv') this.calibrateY = this.child('preprocess_y', new ReLUConvBN(rng, plan.inChannels[1], C, 1, 1, 0));
    const ops = this.child('ops', new ModuleList());
    for (let k = 0; k < 2 * NAO_NODES; k++) {
      const from = cell[2 * k]!;
      const id = cell[2 * k + 1]!;
      const stride = plan.reduction && from < NAO_CELL_INPUTS ? 2 : 1;
      const exempt = o.dropPathExempt === 'released-code' ? from === 4 || from === 5 : o.dropPathExempt === 'identity' && isIdentityOp(id);
      let op = makeNaoOp(id, C, stride, rng, exempt);
      if (wrapOp) op = wrapOp(op, { cell: index, edge: k, op: NAO_OPS[id]!, reduction: plan.reduction, identity: exempt });
      this.branches.push(ops.add(op));
      this.inputs.push(from);
    }
    const combine = this.child('final_combine', new ModuleList());
    for (const s of plan.combine) this.combine.set(s, combine.add(new PaddedFactorizedReduce(rng, C, C, false)));
  }

  forward2(s0: tf.Tensor, s1: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const inputs = [this.calibrateX ? this.calibrateX.forward(s0, ctx) : s0, this.calibrateY ? this.calibrateY.forward(s1, ctx) : s1];
    const states = sumBranchPairs(inputs, this.branches, this.inputs, ctx);
    return concatChannels(this.plan.concat.map((s) => this.combine.get(s)?.forward(states[s]!, ctx) ?? states[s]!));
  }

}

export interface NaoNetworkSpec extends NetworkSpec {
  readonly options?: Partial<NaoNetworkOptions>;
}

/** `NASNetworkCIFAR` (32-px inputs) or `NASNetworkImageNet` (224 px); the auxiliary head is the `auxiliary-tower` trick's. */
export class NaoNetwork extends Network {
  readonly cellInfo: CellInfo[] = [];
  private readonly cellModules: NaoCell[] = [];
  private readonly stem0: Module;
  private readonly stem1?: Module;
  private readonly pool = new GlobalAvgPool();
  private readonly dropout: Dropout;
  private readonly classifier: Linear;

  constructor(a: NaoArch, spec: NaoNetworkSpec) {
    super();
    const o: NaoNetworkOptions = { ...NAO_NETWORK_DEFAULTS, ...spec.options };
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
    const plans = networkPlan(a, spec, stem);
    const cells = this.child('cells', new ModuleList());
    plans.forEach((p, i) => {
      this.cellModules.push(cells.add(new NaoCell(rng, p.reduction ? a.reduce : a.normal, p, i, o, spec.hooks?.wrapOp)));
      this.cellInfo.push({ index: i, reduction: p.reduction, outputShape: p.outShape });
    });
    this.child('global_pooling', this.pool);
    this.dropout = this.child('dropout', new Dropout(o.dropout));
    this.classifier = this.child('classifier', new Linear(rng, plans.at(-1)!.outShape[2], spec.classes));
    if (o.init === 'kaiming-normal') initKaimingNormal(this, rng.split('kaiming-normal'));
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
    const features = this.dropout.forward(this.pool.forward(s1, ctx), ctx);
    return { logits: this.classifier.forward(features, ctx) as tf.Tensor2D, heads };
  }
}

/** `init_parameters`: `kaiming_normal_` (fan in, gain √2) on every weight of ≥ 2 dimensions. */
function initKaimingNormal(root: Module, rng: Rng): void {
  const visit = (m: Module) => {
    let weight: tf.Variable | undefined;
    let fanIn = 0;
    if (m instanceof Conv2d) {
      weight = m.weight;
      fanIn = (m.depthwise ? 1 : m.inChannels) * m.kernel * m.kernel;
    } else if (m instanceof RectConv2d) {
      weight = m.weight;
      fanIn = m.channels * m.kernel[0] * m.kernel[1];
    } else if (m instanceof Linear) {
      weight = m.weight;
      fanIn = m.inFeatures;
    }
    if (weight && fanIn > 0) {
      const std = Math.sqrt(2 / fanIn);
      const values = Float32Array.from({ length: weight.size }, () => std * rng.normal());
      tf.tidy(() => weight.assign(tf.tensor(values, weight.shape)));
    }
    for (const [, child] of m.children()) visit(child);
  };
  visit(root);
}

export function buildNaoNetwork(a: NaoArch, spec: NaoNetworkSpec): NaoNetwork {
  return new NaoNetwork(a, spec);
}

/**
 * Parameters of `buildNaoNetwork` (trainable, auxiliary head excluded as `"auxiliary" not in name`),
 * counted analytically. `size.cells` is the total, 3N + 2 in NAO's terms (N = 6 → 20 on CIFAR, N = 2
 * → 8 on the 224-px datasets).
 */
export function countNaoParameters(a: NaoArch, size: ArchitectureSize, options: Partial<Pick<NaoNetworkOptions, 'stem'>> = {}): number {
  const stem = resolveStem(options.stem ?? 'auto', size.inputShape);
  const C = size.channels;
  const cin = size.inputShape[2];
  const convBn = (i: number, out: number, k: number) => i * out * k * k + 2 * out;
  const half = Math.floor(C / 2);
  let n = stem === 'cifar' ? convBn(cin, STEM_MULTIPLIER * C, 3) : convBn(cin, half, 3) + convBn(half, C, 3) + convBn(C, C, 3);
  const plans = networkPlan(a, size, stem);
  for (const p of plans) {
    const c = p.channels;
    // FactorizedReduce(cIn, c) and ReLU-1×1-BN(cIn, c) both have cIn·c + 2c parameters.
    if (p.calibrateX) n += convBn(p.inChannels[0], c, 1);
    if (p.calibrateY) n += convBn(p.inChannels[1], c, 1);
    const cell = p.reduction ? a.reduce : a.normal;
    for (let k = 0; k < 2 * NAO_NODES; k++) n += naoOpParameterCount(cell[2 * k + 1]!, c, p.reduction && cell[2 * k]! < NAO_CELL_INPUTS ? 2 : 1);
    n += p.combine.length * convBn(c, c, 1);
  }
  return n + plans.at(-1)!.outShape[2] * size.classes + size.classes;
}

/** Parameters and multiply-adds at `size`; FLOPs build the network and run one image on the active backend. */
export function naoCost(a: NaoArch, size: ArchitectureSize, options: Partial<NaoNetworkOptions> & { flops?: boolean } = {}): ArchitectureCost {
  const { flops, ...networkOptions } = options;
  const params = countNaoParameters(a, size, networkOptions);
  if (flops === false) return { params };
  const network = buildNaoNetwork(a, { ...size, options: { ...networkOptions, init: 'pytorch-default' }, rng: new Rng('naslab-cost') });
  try {
    return { params, flops: countFlops(network, size.inputShape) };
  } finally {
    network.dispose();
  }
}

/** The space with network assembly, for the engine's trainer (`TrainableSpace`). */
export function withNaoNetworks(space: SearchSpace<NaoArch>, options: Partial<NaoNetworkOptions> = {}): TrainableSpace<NaoArch> {
  return { ...space, buildNetwork: (a, spec) => buildNaoNetwork(a, { ...spec, options }) };
}
