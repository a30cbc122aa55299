/**
 * CNAS's edge ops (antoyang/NAS-Benchmark `CNAS/darts/operations.py`, `OPS[name](C, stride, affine)`)
 * on naslab's engine. The DARTS ones (`sep_conv_3x3`, `dil_conv_3x3`, the pools, `skip_connect`,
 * `none`) are the engine's layers; the two CNAS adds, `cweight_com` and `shuffle_conv_3x3`, are
 * built here from engine primitives.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import {
  AvgPool,
  BatchNorm,
  Conv2d,
  DilConv,
  FactorizedReduce,
  GlobalAvgPool,
  Identity,
  Linear,
  MaxPool,
  Module,
  ReLU,
  SepConv,
  Sequential,
  Zero,
  type ForwardContext,
} from '@naslab/engine';
import type { CnasOp } from './genotype.js';

/** `ReLUConvBN` of the reference, whose `nn.BatchNorm2d(c_out, affine)` passes `affine` as `eps`. */
export class ReLUConvBN extends Sequential {
  constructor(rng: Rng, cIn: number, cOut: number, eps: number) {
    super([new ReLU(), new Conv2d(rng, { inChannels: cIn, outChannels: cOut, kernel: 1 }), new BatchNorm(cOut, { eps })]);
  }
}

/**
 * `CWeightCom`: squeeze-and-excitation as an edge op. y = σ(FC(C → ⌊C/16⌋) → ReLU → FC(⌊C/16⌋ → C))
 * of the global average, out = x ⊙ y; at stride 2 followed by a depthwise 3×3 stride-2 conv and BN.
 * Below 16 channels the bottleneck is empty (PyTorch builds `Linear(C, 0)`) and y = σ(bias).
 */
export class CWeightCom extends Module {
  private readonly fc1: Linear;
  private readonly fc2: Linear;
  private readonly reduce?: Sequential;
  readonly hidden: number;

  constructor(rng: Rng, readonly channels: number, readonly stride: number) {
    super();
    this.hidden = Math.floor(channels / 16);
    this.fc1 = this.child('fc.0', new Linear(rng, channels, this.hidden));
    this.fc2 = this.child('fc.2', new Linear(rng, this.hidden, channels));
    // PyTorch initialises the bias of a layer without inputs to 0 (its bound 1/√fan_in is then 0).
    if (this.hidden === 0) this.fc2.bias!.assign(tf.zeros([channels]));
    if (stride === 2) {
      this.reduce = this.child(
        'conv',
        new Sequential([
          new Conv2d(rng, { inChannels: channels, outChannels: channels, kernel: 3, stride: 2, padding: 1, depthwise: true }),
          new BatchNorm(channels),
        ]),
      );
    }
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const n = x.shape[0]!;
    let logits: tf.Tensor;
    if (this.hidden > 0) {
      const squeezed = tf.mean(x, [1, 2]);
      logits = this.fc2.forward(tf.relu(this.fc1.forward(squeezed, ctx)), ctx);
    } else {
      // A 0-wide layer outputs its bias alone; tfjs has no empty matmul.
      logits = tf.tile(tf.reshape(this.fc2.bias!, [1, this.channels]), [n, 1]);
    }
    const y = tf.mul(x, tf.reshape(tf.sigmoid(logits), [n, 1, 1, this.channels]));
    return this.reduce ? this.reduce.forward(y, ctx) : y;
  }
}

/** A 1×1 convolution in `groups` groups (`nn.Conv2d(cIn, cOut, 1, groups=g)`): one dense conv per group. */
export class GroupedPointwiseConv extends Module {
  private readonly convs: Conv2d[] = [];
  constructor(rng: Rng, readonly inChannels: number, readonly outChannels: number, readonly groups: number) {
    super();
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`grouped conv ${inChannels} → ${outChannels} channels: not divisible by groups=${groups}`);
    }
    for (let g = 0; g < groups; g++) {
      this.convs.push(this.child(String(g), new Conv2d(rng, { inChannels: inChannels / groups, outChannels: outChannels / groups, kernel: 1 })));
    }
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (this.groups === 1) return this.convs[0]!.forward(x, ctx);
    const parts = tf.split(x, this.groups, 3);
    return tf.concat(parts.map((p, g) => this.convs[g]!.forward(p, ctx)), 3);
  }
}

/** ShuffleNet's channel shuffle: [g, C/g] channel blocks transposed to [C/g, g] (`Shuffle(groups)`). */
export class ChannelShuffle extends Module {
  constructor(readonly groups: number) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    if (this.groups === 1) return x;
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const blocks = tf.reshape(x, [n, h, w, this.groups, c / this.groups]);
    return tf.reshape(tf.transpose(blocks, [0, 1, 2, 4, 3]), [n, h, w, c]);
  }
}

/**
 * `ShuffleConv` (a ShuffleNet unit): 1×1 group conv C → C/g, BN, ReLU, channel shuffle, depthwise
 * 3×3 (stride s), BN, 1×1 group conv → C, BN; plus the input (identity, or a 3×3 stride-2 average
 * pool counting its zero padding); ReLU of the sum.
 *
 * `groups`: the reference `OPS` table calls `ShuffleConv(C, C, stride, 1, affine=affine)`, and the
 * positional `1` lands in `groups` (the class's signature is `(c_in, c_out, stride, groups=4,
 * padding=1, affine=True)`), so the benchmark's networks use groups = 1: no grouping, no shuffle.
 * groups = 4 is the ShuffleNet unit the class describes; it needs C divisible by 16.
 */
export class ShuffleConv extends Module {
  private readonly branch: Sequential;
  private readonly shortcut: Module;
  readonly mid: number;

  constructor(rng: Rng, readonly channels: number, readonly stride: number, readonly groups: number) {
    super();
    this.mid = Math.floor(channels / groups);
    if (channels % groups !== 0 || this.mid % groups !== 0) {
      throw new Error(
        `shuffle_conv_3x3 at ${channels} channels with groups=${groups}: its 1×1 group convs need ${channels} and ${channels}/${groups} = ${channels / groups} divisible by ${groups} (use channels divisible by ${groups * groups}, or groups 1 as the released code)`,
      );
    }
    const m = this.mid;
    this.branch = this.child(
      'op',
      new Sequential([
        new GroupedPointwiseConv(rng, channels, m, groups),
        new BatchNorm(m),
        new ReLU(),
        new ChannelShuffle(groups),
        new Conv2d(rng, { inChannels: m, outChannels: m, kernel: 3, stride, padding: 1, depthwise: true }),
        new BatchNorm(m),
        new GroupedPointwiseConv(rng, m, channels, groups),
        new BatchNorm(channels),
      ]),
    );
    this.shortcut = stride === 2 ? new AvgPool(3, 2, 1, { countIncludePad: true }) : new Identity();
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return tf.relu(tf.add(this.branch.forward(x, ctx), this.shortcut.forward(x, ctx)));
  }
}

/** What the network needs to know to build an op (the space's options). */
export interface CnasOpOptions {
  /** `groups` of `shuffle_conv_3x3`: 1 as the released code builds it, or 4. */
  readonly shuffleGroups: number;
}

/** `OPS[name](C, stride, True)` of the evaluation network. */
export function makeCnasOp(name: CnasOp, channels: number, stride: number, rng: Rng, o: CnasOpOptions): Module {
  switch (name) {
    case 'none':
      return new Zero(stride);
    case 'skip_connect':
      return stride === 1 ? new Identity() : new FactorizedReduce(rng, channels, channels);
    case 'cweight_com':
      return new CWeightCom(rng, channels, stride);
    case 'avg_pool_3x3':
      return new AvgPool(3, stride, 1);
    case 'max_pool_3x3':
      return new MaxPool(3, stride, 1);
    case 'sep_conv_3x3':
      return new SepConv(rng, channels, channels, 3, stride, 1);
    case 'dil_conv_3x3':
      return new DilConv(rng, channels, channels, 3, stride, 2, 2);
    case 'shuffle_conv_3x3':
      return new ShuffleConv(rng, channels, stride, o.shuffleGroups);
    default:
      throw new Error(`unknown CNAS op "${String(name)}"`);
  }
}

/** Parameters of `makeCnasOp(name, C, stride)`, without building it. */
export function cnasOpParameterCount(name: CnasOp, c: number, stride: number, o: CnasOpOptions): number {
  const bn = (k: number) => 2 * k;
  switch (name) {
    case 'none':
    case 'avg_pool_3x3':
    case 'max_pool_3x3':
      return 0;
    case 'skip_connect':
      return stride === 1 ? 0 : c * c + bn(c);
    case 'cweight_com': {
      const h = Math.floor(c / 16);
      return c * h + h + h * c + c + (stride === 2 ? 9 * c + bn(c) : 0);
    }
    case 'sep_conv_3x3':
      return 2 * (9 * c + c * c + bn(c));
    case 'dil_conv_3x3':
      return 9 * c + c * c + bn(c);
    case 'shuffle_conv_3x3': {
      const g = o.shuffleGroups;
      const m = Math.floor(c / g);
      return (c * m) / g + bn(m) + 9 * m + bn(m) + (m * c) / g + bn(c);
    }
    default:
      throw new Error(`unknown CNAS op "${String(name)}"`);
  }
}

/**
 * `nn.AdaptiveAvgPool2d(size)` then flatten: PyTorch's windows [⌊i·H/s⌋, ⌈(i+1)·H/s⌉), which
 * overlap when s does not divide H. Output [n, s·s·C] (row-major over the s×s cells, NHWC order).
 */
export class AdaptiveAvgPoolFlat extends Module {
  private readonly global = new GlobalAvgPool();
  constructor(readonly size: number) {
    super();
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (this.size === 1) return this.global.forward(x, ctx);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const cells: tf.Tensor[] = [];
    for (let i = 0; i < this.size; i++) {
      const [h0, h1] = [Math.floor((i * h) / this.size), Math.ceil(((i + 1) * h) / this.size)];
      for (let j = 0; j < this.size; j++) {
        const [w0, w1] = [Math.floor((j * w) / this.size), Math.ceil(((j + 1) * w) / this.size)];
        cells.push(tf.mean(tf.slice(x, [0, h0, w0, 0], [n, h1 - h0, w1 - w0, c]), [1, 2]));
      }
    }
    return tf.concat(cells, 1);
  }
}
