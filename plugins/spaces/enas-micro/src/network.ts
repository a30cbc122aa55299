/**
 * The ENAS micro evaluation network: `MicroChild` with a fixed arc (`_model`, `_fixed_layer`,
 * `_fixed_conv`, `_fixed_combine`, `_maybe_calibrate_size`, `_factorized_reduction` of
 * antoyang/NAS-Benchmark `ENASTF/src/cifar10/micro_child.py`), on naslab's engine, with
 * TensorFlow's SAME padding where the reference uses it. It imports TensorFlow.js: the package
 * entry loads it on demand.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, type ArchitectureCost, type ArchitectureSize, type SearchSpace } from '@naslab/core';
import {
  BatchNorm,
  Conv2d,
  countFlops,
  Dropout,
  GlobalAvgPool,
  Identity,
  Linear,
  type Module,
  Network,
  PaddedFactorizedReduce,
  ReLU,
  ReLUConvBN,
  SameAvgPool,
  SameMaxPool,
  SamePad,
  Sequential,
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
} from '@naslab/engine';
import { ENAS_CELL_INPUTS, ENAS_NODES, ENAS_OPS, IDENTITY_OP, looseEnds, type EnasArc } from './arc.js';

/** `auto`: the 224-px stem for inputs of 65 px and more on the shorter side, else the CIFAR stem. */
export type EnasStem = 'auto' | 'cifar' | 'imagenet';
/** `he-normal`: the reference `create_weight` (Keras `he_normal`, truncated); `pytorch-default`: the engine's. */
export type EnasInit = 'he-normal' | 'pytorch-default';

export interface EnasNetworkOptions {
  readonly stem: EnasStem;
  /** Dropout before the classifier: 1 − `child_keep_prob` (0.8 in the final-training script). */
  readonly dropout: number;
  readonly init: EnasInit;
}

export const ENAS_NETWORK_DEFAULTS: EnasNetworkOptions = { stem: 'auto', dropout: 0.2, init: 'he-normal' };
// The stem rule (`auto` → `imagenet` from 65 px on the shorter side) is the engine's, shared by every cell space.
export { IMAGENET_STEM_MIN_SIDE, resolveStem } from '@naslab/engine';
const STEM_MULTIPLIER = 3;

/** The reduction layers of `cells` = `num_layers` + 2 layers: `[L // 3, 2·(L // 3) + 1]` (5 and 11 for L = 15). */
export function enasReductionCells(cells: number): [number, number] {
  const d = Math.floor((cells - 2) / 3);
  return [d, 2 * d + 1];
}

/** The layer the reference's auxiliary head reads (`pool_layers[-1] + 1`, 12 for 17 layers): the `auxiliary-tower` trick's `cell`. */
export function enasAuxiliaryCell(cells: number): number {
  return enasReductionCells(cells)[1] + 1;
}

type Shape = readonly [number, number, number];

interface LayerPlan {
  readonly reduction: boolean;
  readonly filters: number;
  /** prev-prev: ReLU + factorized reduction (resolution differs), ReLU-1×1-BN (channels differ), or as is. */
  readonly calibrateX: 'reduce' | 'conv' | null;
  readonly calibrateY: boolean;
  readonly inChannels: readonly [number, number];
  readonly concat: readonly number[];
  /** Loose ends at twice the output resolution (a reduction cell's inputs), factorized-reduced in `final_combine`. */
  readonly combine: readonly number[];
  readonly outShape: Shape;
}

function planLayer(cell: readonly number[], prev: readonly [Shape, Shape], filters: number, reduction: boolean): LayerPlan {
  const [x, y] = prev;
  const calibrateX = x[0] !== y[0] ? 'reduce' : x[2] !== filters ? 'conv' : null;
  const input: [number, number] = [y[0], y[1]];
  const reduced: [number, number] = [Math.ceil(y[0] / 2), Math.ceil(y[1] / 2)];
  const sizes: Array<[number, number]> = [input, input];
  for (let i = 0; i < ENAS_NODES; i++) sizes.push(reduction && cell[4 * i]! < ENAS_CELL_INPUTS ? reduced : sizes[cell[4 * i]!]!);
  const concat = looseEnds(cell);
  const out = Math.min(...concat.map((s) => sizes[s]![0]));
  const outSize = concat.map((s) => sizes[s]!).find((s) => s[0] === out)!;
  return {
    reduction,
    filters,
    calibrateX,
    calibrateY: y[2] !== filters,
    inChannels: [x[2], y[2]],
    concat,
    combine: concat.filter((s) => sizes[s]![0] > out),
    outShape: [outSize[0], outSize[1], filters * concat.length],
  };
}

/** Every layer's plan: F doubles at the two reduction layers. */
function networkPlan(a: EnasArc, size: ArchitectureSize, stem: 'cifar' | 'imagenet'): LayerPlan[] {
  const [h, w] = size.inputShape;
  const F = size.channels;
  let prev: [Shape, Shape] =
    stem === 'cifar'
      ? [[h, w, STEM_MULTIPLIER * F], [h, w, STEM_MULTIPLIER * F]]
      : [[Math.ceil(h / 4), Math.ceil(w / 4), F], [Math.ceil(h / 8), Math.ceil(w / 8), F]];
  const reductions = enasReductionCells(size.cells);
  let filters = F;
  return Array.from({ length: size.cells }, (_, i) => {
    const reduction = reductions.includes(i);
    if (reduction) filters *= 2;
    const plan = planLayer(reduction ? a.reduce : a.normal, prev, filters, reduction);
    prev = [prev[1], plan.outShape];
    return plan;
  });
}

/** `_fixed_conv`: twice ReLU → SAME depthwise k×k (stride on the first) → pointwise 1×1 → BN. */
export class EnasSepConv extends Sequential {
  constructor(rng: Rng, filters: number, kernel: number, stride: number) {
    const half = (s: number) => [
      new ReLU(),
      new SamePad(kernel, s),
      new Conv2d(rng, { inChannels: filters, outChannels: filters, kernel, stride: s, depthwise: true }),
      new Conv2d(rng, { inChannels: filters, outChannels: filters, kernel: 1 }),
      new BatchNorm(filters),
    ];
    super([...half(stride), ...half(1)]);
  }
}

/** Op `id` of a branch at `filters` (every state has F channels after calibration) and `stride`. */
export function makeEnasOp(id: number, filters: number, stride: number, rng: Rng): Module {
  switch (id) {
    case 0:
      return new EnasSepConv(rng, filters, 3, stride);
    case 1:
      return new EnasSepConv(rng, filters, 5, stride);
    case 2:
      return new SameAvgPool(3, stride);
    case 3:
      return new SameMaxPool(3, stride);
    case 4:
      return stride === 1 ? new Identity() : new PaddedFactorizedReduce(rng, filters, filters, false);
    default:
      throw new Error(`unknown ENAS op ${id} (0–${ENAS_OPS.length - 1})`);
  }
}

/** Parameters of `makeEnasOp(id, F, stride)`. */
export function enasOpParameterCount(id: number, f: number, stride: number): number {
  if (id === 0 || id === 1) {
    const k = id === 0 ? 3 : 5;
    return 2 * (k * k * f + f * f + 2 * f);
  }
  return id === IDENTITY_OP && stride === 2 ? f * f + 2 * f : 0;
}


/** One `_fixed_layer`: calibrate, `layer_base`, 5 nodes of 2 branches, `final_combine`. */
export class EnasLayer extends TwoInputCell {
  private readonly calibrateX?: Module;
  private readonly calibrateY?: Module;
  private readonly base: Module;
  private readonly branches: Module[] = [];
  private readonly inputs: number[] = [];
  private readonly combine = new Map<number, Module>();

  constructor(rng: Rng, cell: readonly number[], readonly plan: LayerPlan, index: number, wrapOp: WrapOp | undefined) {
    super();
    const F = plan.filters;
    if (plan.calibrateX === 'reduce') this.calibrateX = this.child('pool_x', new PaddedFactorizedReduce(rng, plan.inChannels[0], F, true));
    if (plan.calibrateX === 'conv') this.calibrateX = this.child('pool_x', new ReLUConvBN(rng, plan.inChannels[0], F, 1, 1, 0));
    if (plan.calibrateY) this.calibrateY = this.child('pool_y', new ReLUConvBN(rng, plan.inChannels[1], F, 1, 1, 0));
    // `layer_base`: an extra ReLU-1×1-BN on the previous layer, always there.
    this.base = this.child('layer_base', new ReLUConvBN(rng, F, F, 1, 1, 0));
    const ops = this.child('ops', new ModuleList());
    for (let k = 0; k < 2 * ENAS_NODES; k++) {
      const from = cell[2 * k]!;
      const id = cell[2 * k + 1]!;
      let op = makeEnasOp(id, F, plan.reduction && from < ENAS_CELL_INPUTS ? 2 : 1, rng);
      // Drop-path applies to ops 0–3 only (`if x_op in [0, 1, 2, 3]`), never to the identity.
      if (wrapOp) op = wrapOp(op, { cell: index, edge: k, op: ENAS_OPS[id]!, reduction: plan.reduction, identity: id === IDENTITY_OP });
      this.branches.push(ops.add(op));
      this.inputs.push(from);
    }
    const combine = this.child('final_combine', new ModuleList());
    for (const s of plan.combine) this.combine.set(s, combine.add(new PaddedFactorizedReduce(rng, F, F, false)));
  }

  forward2(s0: tf.Tensor, s1: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const x = this.calibrateX ? this.calibrateX.forward(s0, ctx) : s0;
    const y = this.calibrateY ? this.calibrateY.forward(s1, ctx) : s1;
    const states = sumBranchPairs([x, this.base.forward(y, ctx)], this.branches, this.inputs, ctx);
    return concatChannels(this.plan.concat.map((s) => this.combine.get(s)?.forward(states[s]!, ctx) ?? states[s]!));
  }

}

export interface EnasNetworkSpec extends NetworkSpec {
  readonly options?: Partial<EnasNetworkOptions>;
}

/** `MicroChild` with a fixed arc: stem, `cells` layers (= `num_layers` + 2), ReLU, global pool, dropout, FC without bias. */
export class EnasNetwork extends Network {
  readonly cellInfo: CellInfo[] = [];
  private readonly layers: EnasLayer[] = [];
  private readonly stem0: Module;
  private readonly stem1?: Module;
  private readonly pool = new GlobalAvgPool();
  private readonly dropout: Dropout;
  private readonly classifier: Linear;

  constructor(a: EnasArc, spec: EnasNetworkSpec) {
    super();
    const o: EnasNetworkOptions = { ...ENAS_NETWORK_DEFAULTS, ...spec.options };
    const stem = resolveStem(o.stem, spec.inputShape);
    const { rng, channels: F } = spec;
    const cin = spec.inputShape[2];
    const conv = (inChannels: number, outChannels: number, stride: number) => new Conv2d(rng, { inChannels, outChannels, kernel: 3, stride, padding: 1 });
    if (stem === 'cifar') {
      // 3×3 SAME at stride 1 pads 1 on every side.
      this.stem0 = this.child('stem_conv', new Sequential([conv(cin, STEM_MULTIPLIER * F, 1), new BatchNorm(STEM_MULTIPLIER * F)]));
    } else {
      // ENAS-PyTorch's 224-px stems (`ENASPytorch/micro_child.py` `stem0`, `stem1`).
      const half = Math.floor(F / 2);
      this.stem0 = this.child('stem0', new Sequential([conv(cin, half, 2), new BatchNorm(half), new ReLU(), conv(half, F, 2), new BatchNorm(F)]));
      this.stem1 = this.child('stem1', new Sequential([new ReLU(), conv(F, F, 2), new BatchNorm(F)]));
    }
    const plans = networkPlan(a, spec, stem);
    const list = this.child('layers', new ModuleList());
    plans.forEach((p, i) => {
      this.layers.push(list.add(new EnasLayer(rng, p.reduction ? a.reduce : a.normal, p, i, spec.hooks?.wrapOp)));
      this.cellInfo.push({ index: i, reduction: p.reduction, outputShape: p.outShape });
    });
    this.child('global_pooling', this.pool);
    this.dropout = this.child('dropout', new Dropout(o.dropout));
    this.classifier = this.child('fc', new Linear(rng, plans.at(-1)!.outShape[2], spec.classes, { bias: false }));
    if (o.init === 'he-normal') initHeNormal(this, rng.split('he-normal'));
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    const heads: Record<string, tf.Tensor> = {};
    let s0 = this.stem0.forward(x, ctx);
    let s1 = this.stem1 ? this.stem1.forward(s0, ctx) : s0;
    this.layers.forEach((layer, i) => {
      const out = layer.forward2(s0, s1, ctx);
      s0 = s1;
      s1 = out;
      this.afterCell(i, out, ctx, heads);
    });
    const features = this.dropout.forward(this.pool.forward(tf.relu(s1), ctx), ctx);
    return { logits: this.classifier.forward(features, ctx) as tf.Tensor2D, heads };
  }
}

/**
 * `create_weight`'s default initializer, Keras `he_normal`: a normal of std √(2/fan_in) truncated
 * at 2 std (std divided by 0.8796 so the truncated spread is √(2/fan_in)), fan_in = kh·kw·shape[-2]
 * for every 4-D weight (depthwise ones included, as Keras computes it) and the input size for FCs.
 */
function initHeNormal(root: Module, rng: Rng): void {
  const visit = (m: Module) => {
    if (m instanceof Conv2d || m instanceof Linear) {
      const w = m.weight;
      const fanIn = m instanceof Linear ? m.inFeatures : m.kernel * m.kernel * m.inChannels;
      const std = Math.sqrt(2 / fanIn) / 0.87962566103423978;
      const values = new Float32Array(w.size);
      for (let i = 0; i < values.length; i++) {
        let z = rng.normal();
        while (Math.abs(z) > 2) z = rng.normal();
        values[i] = std * z;
      }
      tf.tidy(() => w.assign(tf.tensor(values, w.shape)));
    }
    for (const [, child] of m.children()) visit(child);
  };
  visit(root);
}

export function buildEnasNetwork(a: EnasArc, spec: EnasNetworkSpec): EnasNetwork {
  return new EnasNetwork(a, spec);
}

/**
 * Trainable parameters of `buildEnasNetwork`, auxiliary head excluded (`"aux_head" not in
 * var.name`), counted analytically. `size.cells` is `num_layers` + 2 (17 on CIFAR).
 */
export function countEnasParameters(a: EnasArc, size: ArchitectureSize, options: Partial<Pick<EnasNetworkOptions, 'stem'>> = {}): number {
  const stem = resolveStem(options.stem ?? 'auto', size.inputShape);
  const F = size.channels;
  const cin = size.inputShape[2];
  const convBn = (i: number, out: number, k: number) => i * out * k * k + 2 * out;
  const half = Math.floor(F / 2);
  let n = stem === 'cifar' ? convBn(cin, STEM_MULTIPLIER * F, 3) : convBn(cin, half, 3) + convBn(half, F, 3) + convBn(F, F, 3);
  const plans = networkPlan(a, size, stem);
  for (const p of plans) {
    const f = p.filters;
    // the factorized reduction and ReLU-1×1-BN from c channels both have c·F + 2F parameters
    if (p.calibrateX) n += convBn(p.inChannels[0], f, 1);
    if (p.calibrateY) n += convBn(p.inChannels[1], f, 1);
    n += convBn(f, f, 1);
    const cell = p.reduction ? a.reduce : a.normal;
    for (let k = 0; k < 2 * ENAS_NODES; k++) n += enasOpParameterCount(cell[2 * k + 1]!, f, p.reduction && cell[2 * k]! < ENAS_CELL_INPUTS ? 2 : 1);
    n += p.combine.length * convBn(f, f, 1);
  }
  return n + plans.at(-1)!.outShape[2] * size.classes;
}

/** Parameters and multiply-adds of one image at `size` (FLOPs build the network and run it once). */
export function enasCost(a: EnasArc, size: ArchitectureSize, options: Partial<EnasNetworkOptions> & { flops?: boolean } = {}): ArchitectureCost {
  const { flops, ...networkOptions } = options;
  const params = countEnasParameters(a, size, networkOptions);
  if (flops === false) return { params };
  const network = buildEnasNetwork(a, { ...size, options: { ...networkOptions, init: 'pytorch-default' }, rng: new Rng('naslab-cost') });
  try {
    return { params, flops: countFlops(network, size.inputShape) };
  } finally {
    network.dispose();
  }
}

/** The space with network assembly, for the engine's trainer. */
export function withEnasNetworks(space: SearchSpace<EnasArc>, options: Partial<EnasNetworkOptions> = {}): TrainableSpace<EnasArc> {
  return { ...space, buildNetwork: (a, spec) => buildEnasNetwork(a, { ...spec, options }) };
}
