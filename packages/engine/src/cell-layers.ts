/**
 * Layers that cell spaces beyond DARTS need (NAO, ENAS, NSGA-Net): rectangular convolutions,
 * TensorFlow's SAME padding, a factorized reduction that pads instead of cropping, squeeze-and-
 * excitation, dropout. PyTorch (or, for SAME, TensorFlow) semantics, NHWC.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import { BatchNorm, Conv2d, kaimingUniform } from './layers.js';
import { Module, type ForwardContext } from './module.js';

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

/**
 * TensorFlow's SAME padding along one axis: the output has ⌈size/stride⌉ positions and the
 * padding the window needs is split with the extra pixel after (right/bottom), e.g. 3×3 stride 2
 * on 32 px pads (0, 1) where PyTorch's `padding=1` pads (1, 1).
 */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Pads [n, h, w, c] as SAME padding would for a `kernel`×`kernel` window at `stride`, with `value`. */
export class SamePad extends Module {
  constructor(readonly kernel: number, readonly stride: number, readonly value = 0) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    const [, h, w] = x.shape as [number, number, number, number];
    const ph = samePadding(h, this.kernel, this.stride);
    const pw = samePadding(w, this.kernel, this.stride);
    if (ph[0] + ph[1] + pw[0] + pw[1] === 0) return x;
    return tf.pad(x as tf.Tensor4D, [[0, 0], ph, pw, [0, 0]], this.value);
  }
}

/** `tf.nn.max_pool(…, "SAME")`: padding never wins the max. */
export class SameMaxPool extends Module {
  private readonly pad: SamePad;
  constructor(readonly kernel: number, readonly stride: number) {
    super();
    this.pad = new SamePad(kernel, stride, -Infinity);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.maxPool(this.pad.forward(x) as tf.Tensor4D, this.kernel, this.stride, 'valid');
  }
}

/** Real (non-padding) taps of each window along one axis, for a padding of (before, after). */
function realTaps(size: number, kernel: number, stride: number, before: number): number[] {
  const out = Math.ceil(size / stride);
  return Array.from({ length: out }, (_, i) => {
    const start = i * stride - before;
    return Math.min(start + kernel, size) - Math.max(start, 0);
  });
}

/** `tf.nn.avg_pool(…, "SAME")`: the average of the real pixels of each window (padding not counted). */
export class SameAvgPool extends Module {
  private readonly pad: SamePad;
  constructor(readonly kernel: number, readonly stride: number) {
    super();
    this.pad = new SamePad(kernel, stride, 0);
  }
  forward(x: tf.Tensor): tf.Tensor {
    const [, h, w] = x.shape as [number, number, number, number];
    const pooled = tf.avgPool(this.pad.forward(x) as tf.Tensor4D, this.kernel, this.stride, 'valid');
    const rows = realTaps(h, this.kernel, this.stride, samePadding(h, this.kernel, this.stride)[0]);
    const cols = realTaps(w, this.kernel, this.stride, samePadding(w, this.kernel, this.stride)[0]);
    const full = this.kernel * this.kernel;
    if (rows.every((r) => r === this.kernel) && cols.every((c) => c === this.kernel)) return pooled;
    const scale = Float32Array.from({ length: rows.length * cols.length }, (_, k) => full / (rows[Math.floor(k / cols.length)]! * cols[k % cols.length]!));
    return tf.mul(pooled, tf.tensor4d(scale, [1, rows.length, cols.length, 1]));
  }
}

/**
 * The factorized reduction of ENAS (`_factorized_reduction`) and NAO (`FactorizedReduce`): two
 * 1×1 stride-2 convs, one on the input and one on the input shifted by one pixel (zero-padded
 * right and bottom, so odd sizes work), concatenated, BN. Unlike DARTS' it has no ReLU of its own
 * unless `relu` is set.
 */
export class PaddedFactorizedReduce extends Module {
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

/**
 * Squeeze-and-excitation (Hu et al.; NSGA-Net's `SELayer`): global average pool, FC c → ⌊c/r⌋,
 * ReLU, FC → c, sigmoid, and the input scaled channel by channel. Both FCs have no bias. Below
 * r channels the hidden layer is empty and, as in PyTorch, every gate is sigmoid(0) = ½.
 */
export class SqueezeExcitation extends Module {
  readonly squeeze?: tf.Variable;
  readonly excite?: tf.Variable;
  readonly hidden: number;
  constructor(rng: Rng, readonly channels: number, readonly reduction = 16) {
    super();
    this.hidden = Math.floor(channels / reduction);
    if (this.hidden > 0) {
      this.squeeze = this.param('fc.0.weight', kaimingUniform(rng, [channels, this.hidden], channels));
      this.excite = this.param('fc.2.weight', kaimingUniform(rng, [this.hidden, channels], this.hidden));
    }
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (!this.squeeze || !this.excite) return tf.mul(x, 0.5);
    const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
    const hidden = tf.relu(tf.matMul(pooled, this.squeeze as tf.Tensor2D));
    const gate = tf.sigmoid(tf.matMul(hidden, this.excite as tf.Tensor2D));
    if (ctx.flops) ctx.flops.macs += 2 * this.channels * this.hidden;
    return tf.mul(x, tf.reshape(gate, [x.shape[0]!, 1, 1, this.channels]));
  }
}

/** `nn.Dropout(p)` (inverted dropout), its mask drawn from the step's random stream. */
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
