/**
 * The network of an MBConv-space architecture (dstamoulis/single-path-nas,
 * `nas-search/singlepath_supernet.py` `MBConvBlock`, `SinglePathSuperNet`; the found net is the
 * same model with fixed layers, `train-final/model_def.py`): stem 3×3 stride-2 conv + BN + ReLU;
 * the 22 MBConv blocks (1×1 expansion + BN + ReLU unless the expansion is 1, k×k depthwise + BN +
 * ReLU, 1×1 projection + BN, residual when stride 1 and input = output filters); head 1×1 conv to
 * 1280 + BN + ReLU, global average pooling, dropout 0.2, linear classifier. Skipped layers are
 * left out. BN momentum 0.99 in TensorFlow's convention (the engine's BatchNorm takes PyTorch's,
 * running = (1 − m)·running + m·batch, so 0.01), ε 1e-3.
 *
 * Imports TensorFlow.js and the engine: load it lazily (the plugin does, at job time).
 */
import * as tf from '@tensorflow/tfjs';
import {
  BatchNorm,
  Conv2d,
  GlobalAvgPool,
  Linear,
  Module,
  Network,
  ReLU,
  countFlops,
  countParameters,
  type CellInfo,
  type ForwardContext,
  type NetworkOutput,
  type NetworkSpec,
  type TrainableSpace,
  ModuleList,
} from '@naslab/engine';
import { Rng, type ArchitectureCost, type ArchitectureSize, type CostSpace } from '@naslab/core';
import { BACKBONE_LAYERS, MBCONV_BN_MOMENTUM, roundFilters, type BackboneLayer } from './backbone.js';
import { choiceShape, type MbconvArch } from './arch.js';

/**
 * BatchNorm settings of the reference (`batch_norm_momentum=0.99, batch_norm_epsilon=1e-3`), the
 * momentum in the engine's (PyTorch's) convention. Its running statistics average over ~100 steps:
 * right for 350 ImageNet epochs, far from the data after a toy run's few dozen steps.
 */
export const MBCONV_BN = { momentum: MBCONV_BN_MOMENTUM, eps: 1e-3 } as const;

/** BatchNorm settings of one network. */
export interface MbconvBatchNorm {
  readonly momentum: number;
  readonly eps: number;
}

/** How the network is built around the architecture. */
export interface MbconvNetworkOptions {
  /** Width (depth) multiplier applied to every filter count but the head's (`round_filters`). */
  readonly widthMultiplier: number;
  /** Input resolution: images are resized (bilinear) to this size first; null keeps the dataset's. */
  readonly inputSize: number | null;
  /** Head filters (1280 in the reference, not scaled by the multiplier). */
  readonly headChannels: number;
  /** Dropout before the classifier in training (0.2 in the reference). */
  readonly dropout: number;
  /** Momentum of every BatchNorm, PyTorch's convention (0.01: the reference's TensorFlow 0.99). */
  readonly batchNormMomentum: number;
}

export const DEFAULT_NETWORK_OPTIONS: MbconvNetworkOptions = { widthMultiplier: 1, inputSize: null, headChannels: 1280, dropout: 0.2, batchNormMomentum: MBCONV_BN.momentum };

function batchNormOf(o: Pick<MbconvNetworkOptions, 'batchNormMomentum'>): MbconvBatchNorm {
  return { momentum: o.batchNormMomentum, eps: MBCONV_BN.eps };
}


/** One MBConv block's shape after the width multiplier. */
export interface MbconvBlockArgs {
  readonly inputFilters: number;
  readonly outputFilters: number;
  readonly expandRatio: number;
  readonly kernel: number;
  readonly stride: number;
  readonly idSkip: boolean;
}

/**
 * Makes the depthwise convolution of a block; the Single-Path supernet passes its superkernel.
 * It must keep `channels` and apply `stride` with 'same'-sized output.
 */
export type DepthwiseFactory = (rng: Rng, channels: number, kernel: number, stride: number) => Module;

export const plainDepthwise: DepthwiseFactory = (rng, channels, kernel, stride) =>
  new Conv2d(rng, { inChannels: channels, outChannels: channels, kernel, stride, padding: (kernel - 1) / 2, depthwise: true });

/** MnasNet/MobileNetV2 inverted residual bottleneck (`MBConvBlock`, no squeeze-excitation). */
export class MbconvBlock extends Module {
  readonly expand?: Module;
  readonly bn0?: Module;
  readonly depthwise: Module;
  readonly bn1: Module;
  readonly project: Module;
  readonly bn2: Module;
  private readonly relu = new ReLU();
  readonly residual: boolean;

  constructor(rng: Rng, readonly args: MbconvBlockArgs, depthwise: DepthwiseFactory = plainDepthwise, bn: MbconvBatchNorm = MBCONV_BN) {
    super();
    const filters = args.inputFilters * args.expandRatio;
    if (args.expandRatio !== 1) {
      this.expand = this.child('expand_conv', new Conv2d(rng, { inChannels: args.inputFilters, outChannels: filters, kernel: 1 }));
      this.bn0 = this.child('bn0', new BatchNorm(filters, bn));
    }
    this.depthwise = this.child('depthwise_conv', depthwise(rng, filters, args.kernel, args.stride));
    this.bn1 = this.child('bn1', new BatchNorm(filters, bn));
    this.project = this.child('project_conv', new Conv2d(rng, { inChannels: filters, outChannels: args.outputFilters, kernel: 1 }));
    this.bn2 = this.child('bn2', new BatchNorm(args.outputFilters, bn));
    this.residual = args.idSkip && args.stride === 1 && args.inputFilters === args.outputFilters;
  }

  forward(input: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    let x = input;
    if (this.expand && this.bn0) x = this.relu.forward(this.bn0.forward(this.expand.forward(x, ctx), ctx));
    x = this.relu.forward(this.bn1.forward(this.depthwise.forward(x, ctx), ctx));
    x = this.bn2.forward(this.project.forward(x, ctx), ctx);
    return this.residual ? tf.add(x, input) : x;
  }
}

/** A layer of the backbone as a network builds it: the block's arguments, or null when skipped. */
export type LayerPlan = { readonly layer: BackboneLayer; readonly args: MbconvBlockArgs };

/** The blocks an architecture keeps, with filters after the multiplier (skipped layers left out). */
export function networkPlan(arch: MbconvArch | 'supernet', widthMultiplier: number): LayerPlan[] {
  const plan: LayerPlan[] = [];
  for (const layer of BACKBONE_LAYERS) {
    let kernel = layer.kernel;
    let expandRatio = layer.expandRatio;
    if (layer.searchable >= 0 && arch !== 'supernet') {
      const choice = arch[layer.searchable]!;
      if (choice === 'skip') continue;
      ({ kernel, expandRatio } = choiceShape(choice));
    }
    plan.push({
      layer,
      args: {
        inputFilters: roundFilters(layer.inputFilters, widthMultiplier),
        outputFilters: roundFilters(layer.outputFilters, widthMultiplier),
        expandRatio,
        kernel,
        stride: layer.stride,
        idSkip: layer.idSkip,
      },
    });
  }
  return plan;
}

/** Keeps each element with probability 1 − rate, scaled by 1/(1 − rate), drawing from `rng`. */
export function dropout(x: tf.Tensor, rate: number, rng: Rng): tf.Tensor {
  const keep = 1 - rate;
  const values = new Float32Array(x.size);
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform() < keep ? 1 / keep : 0;
  return tf.mul(x, tf.tensor(values, x.shape));
}

/**
 * The classification network around a list of blocks: (resize) → stem → blocks → head. A block's
 * `forward` may return extra values through `afterBlock` (the supernet adds its latency term).
 */
export class MbconvNetwork extends Network {
  readonly cellInfo: CellInfo[] = [];
  readonly blocks: MbconvBlock[] = [];
  private readonly stem: Module;
  private readonly stemBn: Module;
  private readonly head: Module;
  private readonly headBn: Module;
  private readonly relu = new ReLU();
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;
  readonly inputSize: readonly [number, number];

  constructor(
    plan: readonly LayerPlan[],
    spec: Pick<NetworkSpec, 'classes' | 'inputShape' | 'rng'>,
    readonly options: MbconvNetworkOptions,
    depthwise?: (layer: BackboneLayer) => DepthwiseFactory | undefined,
  ) {
    super();
    const rng = spec.rng;
    const bn = batchNormOf(options);
    const [h0, w0, cin] = spec.inputShape;
    this.inputSize = options.inputSize ? [options.inputSize, options.inputSize] : [h0, w0];
    const stemFilters = roundFilters(32, options.widthMultiplier);
    this.stem = this.child('stem', new Conv2d(rng, { inChannels: cin, outChannels: stemFilters, kernel: 3, stride: 2, padding: 1 }));
    this.stemBn = this.child('stem_bn', new BatchNorm(stemFilters, bn));
    let [h, w] = [Math.ceil(this.inputSize[0] / 2), Math.ceil(this.inputSize[1] / 2)];
    const list = this.child('blocks', new ModuleList());
    let prev = stemFilters;
    plan.forEach(({ layer, args }, index) => {
      if (args.inputFilters !== prev) throw new Error(`block ${layer.block}: expects ${args.inputFilters} input filters, gets ${prev}`);
      const block = list.add(new MbconvBlock(rng, args, depthwise?.(layer), bn));
      this.blocks.push(block);
      if (args.stride > 1) [h, w] = [Math.ceil(h / args.stride), Math.ceil(w / args.stride)];
      this.cellInfo.push({ index, reduction: args.stride > 1, outputShape: [h, w, args.outputFilters] });
      prev = args.outputFilters;
    });
    this.head = this.child('head', new Conv2d(rng, { inChannels: prev, outChannels: options.headChannels, kernel: 1 }));
    this.headBn = this.child('head_bn', new BatchNorm(options.headChannels, bn));
    this.classifier = this.child('classifier', new Linear(rng, options.headChannels, spec.classes));
  }

  /** Resize to the input size, then the stem. */
  protected stemForward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor {
    const [, h, w] = x.shape;
    const resized = h === this.inputSize[0] && w === this.inputSize[1] ? x : tf.image.resizeBilinear(x, [this.inputSize[0], this.inputSize[1]]);
    return this.relu.forward(this.stemBn.forward(this.stem.forward(resized, ctx), ctx));
  }

  protected headForward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor2D {
    let y = this.pool.forward(this.relu.forward(this.headBn.forward(this.head.forward(x, ctx), ctx)));
    if (ctx.training && this.options.dropout > 0 && ctx.rng) y = dropout(y, this.options.dropout, ctx.rng);
    return this.classifier.forward(y, ctx) as tf.Tensor2D;
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    const heads: Record<string, tf.Tensor> = {};
    let y = this.stemForward(x, ctx);
    this.blocks.forEach((block, i) => {
      y = block.forward(y, ctx);
      this.afterCell(i, y, ctx, heads);
    });
    return { logits: this.headForward(y, ctx), heads };
  }
}

/** The network of `arch` (the engine's `spec.channels`/`spec.cells` are not used: width is the option's). */
export function buildMbconvNetwork(arch: MbconvArch, spec: NetworkSpec, options: MbconvNetworkOptions = DEFAULT_NETWORK_OPTIONS): MbconvNetwork {
  return new MbconvNetwork(networkPlan(arch, options.widthMultiplier), spec, options);
}

/** Parameters (trainable) and multiply-adds of one image at `size` (its `channels`/`cells` are not read). */
export function mbconvCost(arch: MbconvArch, size: ArchitectureSize, options: MbconvNetworkOptions, o: { flops?: boolean } = {}): ArchitectureCost {
  const network = buildMbconvNetwork(arch, { ...size, rng: new Rng('naslab-arch') }, options);
  try {
    const params = countParameters(network);
    if (o.flops === false) return { params };
    return { params, flops: countFlops(network, size.inputShape) };
  } finally {
    network.dispose();
  }
}

/** The space with network assembly: a `TrainableSpace` and `CostSpace` for the engine and `naslab arch`. */
export function withMbconvNetworks<S extends CostSpace<MbconvArch>>(space: S, options: MbconvNetworkOptions): S & TrainableSpace<MbconvArch> {
  return Object.assign(space, {
    buildNetwork: (arch: MbconvArch, spec: NetworkSpec) => buildMbconvNetwork(arch, spec, options),
  });
}
