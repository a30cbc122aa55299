/**
 * NAO's ops (antoyang/NAS-Benchmark `NAO/operations.py`, as `NAO/model.py` `Node` builds them by
 * id) and its size-calibration modules, on naslab's engine.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import {
  AvgPool,
  BatchNorm,
  Conv2d,
  kaimingUniform,
  MaxPool,
  Module,
  ReLU,
  ReLUConvBN,
  SepConv,
  Sequential,
  type ForwardContext,
} from '@naslab/engine';
import { NAO_OPS } from './arch.js';

/** An identity whose `isIdentity` says whether drop-path should leave it alone (see `dropPath`). */
export class NaoIdentity extends Module {
  override readonly isIdentity: boolean;
  constructor(exempt: boolean) {
    super();
    this.isIdentity = exempt;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

/**
 * NAO's `FactorizedReduce`: two 1×1 convs on the input subsampled by 2 (path 1) and on the input
 * shifted by one pixel (zero-padded right and bottom, path 2), concatenated, BN. Unlike DARTS' it
 * has no ReLU of its own (`MaybeCalibrateSize` puts one in front, the identity ops do not) and
 * works on odd sizes.
 */
export class NaoFactorizedReduce extends Module {
  private readonly conv1: Conv2d;
  private readonly conv2: Conv2d;
  private readonly bn: BatchNorm;
  constructor(rng: Rng, cIn: number, cOut: number, readonly relu: boolean) {
    super();
    if (cOut % 2 !== 0) throw new Error(`FactorizedReduce needs an even channel count, got ${cOut}`);
    this.conv1 = this.child('path1', new Conv2d(rng, { inChannels: cIn, outChannels: cOut / 2, kernel: 1, stride: 2 }));
    this.conv2 = this.child('path2', new Conv2d(rng, { inChannels: cIn, outChannels: cOut / 2, kernel: 1, stride: 2 }));
    this.bn = this.child('bn', new BatchNorm(cOut));
  }
  forward(input: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const x = (this.relu ? tf.relu(input) : input) as tf.Tensor4D;
    const shifted = tf.slice(tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]]), [0, 1, 1, 0], [-1, -1, -1, -1]);
    return this.bn.forward(tf.concat([this.conv1.forward(x, ctx), this.conv2.forward(shifted, ctx)], 3), ctx);
  }
}

/** A convolution with a kh×kw kernel, strides (sh, sw) and paddings (ph, pw) (`nn.Conv2d` with tuples), no bias. */
export class RectConv2d extends Module {
  readonly weight: tf.Variable;
  constructor(
    rng: Rng,
    readonly channels: number,
    readonly kernel: readonly [number, number],
    readonly stride: readonly [number, number],
    readonly padding: readonly [number, number],
  ) {
    super();
    const [kh, kw] = kernel;
    this.weight = this.param('weight', kaimingUniform(rng, [kh, kw, channels, channels], channels * kh * kw));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const [ph, pw] = this.padding;
    const y = tf.conv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, [this.stride[0], this.stride[1]], [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
    if (ctx.flops) {
      const [, oh, ow] = y.shape;
      ctx.flops.macs += oh * ow * this.kernel[0] * this.kernel[1] * this.channels * this.channels;
    }
    return y;
  }
}

/** NAO's factorised `Conv` (ops 8, 9): ReLU, 1×k conv stride (1, s), BN, ReLU, k×1 conv stride (s, 1), BN. */
function factorisedConv(rng: Rng, c: number, k: number, stride: number): Module {
  const p = (k - 1) / 2;
  return new Sequential([
    new ReLU(),
    new RectConv2d(rng, c, [1, k], [1, stride], [0, p]),
    new BatchNorm(c),
    new ReLU(),
    new RectConv2d(rng, c, [k, 1], [stride, 1], [p, 0]),
    new BatchNorm(c),
  ]);
}

/** Zero padding on the right and bottom (`F.pad(x, [0, 1, 0, 1])`), before NAO's 2×2 pools. */
class PadRightBottom extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.pad(x as tf.Tensor4D, [[0, 0], [0, 1], [0, 1], [0, 0]]);
  }
}

/**
 * Op `id` at `channels` (all states have `channels` after calibration) and `stride`, as `Node`:
 * identities at stride 2 are followed by a `FactorizedReduce`; the 2×2 pools (10, 13) pad right
 * and bottom with zeros first (which the average pool counts); the 3×3 and 5×5 average pools
 * 14, 15 count their padding (PyTorch's default), op 2 does not.
 */
export function makeNaoOp(id: number, channels: number, stride: number, rng: Rng, identityExempt: boolean): Module {
  const c = channels;
  switch (id) {
    case 0:
      return new SepConv(rng, c, c, 3, stride, 1);
    case 1:
      return new SepConv(rng, c, c, 5, stride, 2);
    case 2:
      return new AvgPool(3, stride, 1);
    case 3:
    case 11:
      return new MaxPool(3, stride, 1);
    case 4:
    case 5:
      return stride === 1 ? new NaoIdentity(identityExempt) : new Sequential([new NaoIdentity(false), new NaoFactorizedReduce(rng, c, c, false)]);
    case 6:
      return new ReLUConvBN(rng, c, c, 1, stride, 0);
    case 7:
      return new ReLUConvBN(rng, c, c, 3, stride, 1);
    case 8:
      return factorisedConv(rng, c, 3, stride);
    case 9:
      return factorisedConv(rng, c, 7, stride);
    case 10:
      return new Sequential([new PadRightBottom(), new MaxPool(2, stride, 0)]);
    case 12:
      return new MaxPool(5, stride, 2);
    case 13:
      return new Sequential([new PadRightBottom(), new AvgPool(2, stride, 0)]);
    case 14:
      return new AvgPool(3, stride, 1, { countIncludePad: true });
    case 15:
      return new AvgPool(5, stride, 2, { countIncludePad: true });
    default:
      throw new Error(`unknown NAO op ${id} (0–${NAO_OPS.length - 1})`);
  }
}

/** Parameters of `makeNaoOp(id, C, stride)`, without building it. */
export function naoOpParameterCount(id: number, c: number, stride: number): number {
  const bn = 2 * c;
  switch (id) {
    case 0:
      return 2 * (9 * c + c * c + bn);
    case 1:
      return 2 * (25 * c + c * c + bn);
    case 4:
    case 5:
      return stride === 1 ? 0 : c * c + bn;
    case 6:
      return c * c + bn;
    case 7:
      return 9 * c * c + bn;
    case 8:
      return 2 * (3 * c * c + bn);
    case 9:
      return 2 * (7 * c * c + bn);
    default:
      if (id >= 0 && id < NAO_OPS.length) return 0;
      throw new Error(`unknown NAO op ${id} (0–${NAO_OPS.length - 1})`);
  }
}

/** Dropout (`nn.Dropout(p)`) before the classifier, its mask drawn from the step's random stream. */
export class Dropout extends Module {
  constructor(readonly probability: number) {
    super();
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const p = this.probability;
    if (!ctx.training || p <= 0 || !ctx.rng) return x;
    const keep = 1 - p;
    const mask = new Float32Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = ctx.rng.uniform() < keep ? 1 / keep : 0;
    return tf.mul(x, tf.tensor(mask, x.shape));
  }
}
