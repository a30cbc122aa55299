/**
 * Building blocks with PyTorch semantics (NHWC here, NCHW there), following the DARTS
 * reference `cnn/operations.py` (quark0/darts). Padding is always explicit and symmetric as in
 * PyTorch, never TensorFlow's asymmetric 'same'.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import { fusedBatchNormTraining, relu } from './fused.js';
import { Module, Sequential, type ForwardContext } from './module.js';

/** PyTorch's default init for conv/linear: kaiming_uniform(a=√5) = U(±1/√fan_in). */
export function kaimingUniform(rng: Rng, shape: number[], fanIn: number): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (2 * rng.uniform() - 1) * bound;
  return tf.tensor(values, shape, 'float32');
}

export interface Conv2dOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride?: number;
  readonly padding?: number;
  readonly dilation?: number;
  /** groups = inChannels (channel multiplier 1); then outChannels must equal inChannels. */
  readonly depthwise?: boolean;
  readonly bias?: boolean;
}

/** `nn.Conv2d` (groups 1 or depthwise), with dilation implemented through space-to-batch. */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly depthwise: boolean;
  readonly inChannels: number;
  readonly outChannels: number;

  constructor(rng: Rng, o: Conv2dOptions) {
    super();
    this.kernel = o.kernel;
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.depthwise = o.depthwise ?? false;
    this.inChannels = o.inChannels;
    this.outChannels = o.outChannels;
    if (this.depthwise && o.outChannels !== o.inChannels) throw new Error('depthwise conv needs outChannels = inChannels');
    const fanIn = (this.depthwise ? 1 : o.inChannels) * o.kernel * o.kernel;
    const shape = this.depthwise
      ? [o.kernel, o.kernel, o.inChannels, 1]
      : [o.kernel, o.kernel, o.inChannels, o.outChannels];
    this.weight = this.param('weight', kaimingUniform(rng, shape, fanIn));
    if (o.bias) this.bias = this.param('bias', kaimingUniform(rng, [o.outChannels], fanIn));
  }

  private conv(x: tf.Tensor4D, stride: number, pad: number | 'valid'): tf.Tensor4D {
    return this.depthwise
      ? tf.depthwiseConv2d(x, this.weight as tf.Tensor4D, stride, pad)
      : tf.conv2d(x, this.weight as tf.Tensor4D, stride, pad);
  }

  forward(input: tf.Tensor, ctx: ForwardContext): tf.Tensor4D {
    const x = input as tf.Tensor4D;
    const { kernel: k, stride: s, padding: p, dilation: d } = this;
    let y: tf.Tensor4D;
    if (d === 1) {
      y = this.conv(x, s, p === 0 ? 'valid' : p);
    } else if (s === d) {
      // Taps of a stride-d, dilation-d conv only touch padded positions that are multiples of d:
      // subsample them (avgPool with a 1×1 window, which has a gradient) and run a dense conv.
      const padded = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
      const sub = d === 1 ? padded : (tf.avgPool(padded, 1, d, 'valid') as tf.Tensor4D);
      y = this.conv(sub, 1, 'valid');
    } else {
      // tfjs has no gradient for dilation > 1: dilate via space-to-batch (its gradient is
      // batch-to-space), then subsample for a stride.
      const [, h, w] = x.shape;
      const extraH = (d - ((h + 2 * p) % d)) % d;
      const extraW = (d - ((w + 2 * p) % d)) % d;
      const phases = tf.spaceToBatchND(x, [d, d], [
        [p, p + extraH],
        [p, p + extraW],
      ]) as tf.Tensor4D;
      const conv = this.conv(phases, 1, 'valid');
      y = tf.batchToSpaceND(conv, [d, d], [
        [0, extraH],
        [0, extraW],
      ]) as tf.Tensor4D;
      if (s > 1) y = tf.avgPool(y, 1, s, 'valid') as tf.Tensor4D;
    }
    if (this.bias) y = tf.add(y, this.bias) as tf.Tensor4D;
    if (ctx.flops) {
      const [, oh, ow] = y.shape;
      ctx.flops.macs += oh * ow * k * k * (this.depthwise ? this.outChannels : this.inChannels * this.outChannels);
    }
    return y;
  }
}

export interface BatchNormOptions {
  /** Learnable scale and shift (γ, β); DARTS turns them off during search. */
  readonly affine?: boolean;
  readonly momentum?: number;
  readonly eps?: number;
}

/**
 * `nn.BatchNorm2d`: batch statistics in training (biased variance to normalise, unbiased
 * variance into the running estimate), running statistics in evaluation; PyTorch's momentum
 * convention (running = (1 − m)·running + m·batch, m = 0.1), eps 1e-5.
 */
export class BatchNorm extends Module {
  readonly gamma?: tf.Variable;
  readonly beta?: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly momentum: number;
  readonly eps: number;

  constructor(readonly channels: number, o: BatchNormOptions = {}) {
    super();
    this.momentum = o.momentum ?? 0.1;
    this.eps = o.eps ?? 1e-5;
    if (o.affine ?? true) {
      this.gamma = this.param('weight', tf.ones([channels]));
      this.beta = this.param('bias', tf.zeros([channels]));
    }
    this.runningMean = this.param('running_mean', tf.zeros([channels]), false);
    this.runningVar = this.param('running_var', tf.ones([channels]), false);
  }

  forward(input: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    // Backends with a fused batch-norm kernel pair (libtorch) run the same maths in two passes.
    const fused = ctx.training
      ? fusedBatchNormTraining(input, this.gamma ?? tf.ones([this.channels]), this.beta ?? tf.zeros([this.channels]), this.eps)
      : undefined;
    if (ctx.training) {
      if (fused) {
        mean = fused.mean;
        variance = fused.variance;
      } else {
        const m = tf.moments(input, [0, 1, 2]);
        mean = m.mean;
        variance = m.variance;
      }
      const n = input.size / this.channels;
      const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
      // A variable's assign keeps the new value alive past the step's tidy.
      this.runningMean.assign(
        tf.add(tf.mul(this.runningMean, 1 - this.momentum), tf.mul(mean, this.momentum)),
      );
      this.runningVar.assign(
        tf.add(tf.mul(this.runningVar, 1 - this.momentum), tf.mul(unbiased, this.momentum)),
      );
    } else {
      mean = this.runningMean;
      variance = this.runningVar;
    }
    if (fused) return fused.y;
    let y = tf.mul(tf.sub(input, mean), tf.rsqrt(tf.add(variance, this.eps)));
    if (this.gamma && this.beta) y = tf.add(tf.mul(y, this.gamma), this.beta);
    return y;
  }
}

export class ReLU extends Module {
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    return relu(x);
  }
}

export class Identity extends Module {
  override readonly isIdentity = true;
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    return x;
  }
}

/** DARTS `Zero`: the 'none' op, zeros at the op's output resolution. */
export class Zero extends Module {
  constructor(readonly stride: number) {
    super();
  }
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    return tf.zeros([n, Math.ceil(h / this.stride), Math.ceil(w / this.stride), c]);
  }
}

/** Max pooling k×k, stride s, symmetric padding with −∞ (PyTorch `MaxPool2d(k, s, p)`). */
export class MaxPool extends Module {
  constructor(readonly kernel: number, readonly stride: number, readonly padding: number) {
    super();
  }
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    const p = this.padding;
    const padded = p > 0 ? tf.pad(x as tf.Tensor4D, [[0, 0], [p, p], [p, p], [0, 0]], -Infinity) : x;
    return tf.maxPool(padded as tf.Tensor4D, this.kernel, this.stride, 'valid');
  }
}

/** Number of real (non-padding) taps of each pooling window along one axis. */
function windowCounts(size: number, kernel: number, stride: number, pad: number): number[] {
  const out = Math.floor((size + 2 * pad - kernel) / stride) + 1;
  const counts: number[] = [];
  for (let i = 0; i < out; i++) {
    const start = i * stride - pad;
    counts.push(Math.min(start + kernel, size) - Math.max(start, 0));
  }
  return counts;
}

/**
 * Average pooling with `count_include_pad=False` (as DARTS): zero-pad, sum-average over the
 * full window, rescale by window size / real taps. Explicit so every backend (and its
 * gradient) agrees at the borders. `{ countIncludePad: true }` keeps the zeros in the average
 * (PyTorch's `AvgPool2d` default, which CNAS and NAO use for some ops).
 */
export class AvgPool extends Module {
  readonly countIncludePad: boolean;
  constructor(readonly kernel: number, readonly stride: number, readonly padding: number, o: { countIncludePad?: boolean } = {}) {
    super();
    this.countIncludePad = o.countIncludePad ?? false;
  }
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    const p = this.padding;
    const [, h, w] = x.shape as [number, number, number, number];
    const pooled = tf.avgPool(
      (p > 0 ? tf.pad(x as tf.Tensor4D, [[0, 0], [p, p], [p, p], [0, 0]]) : x) as tf.Tensor4D,
      this.kernel,
      this.stride,
      'valid',
    );
    if (p === 0 || this.countIncludePad) return pooled;
    const rows = windowCounts(h, this.kernel, this.stride, p);
    const cols = windowCounts(w, this.kernel, this.stride, p);
    const scale = new Float32Array(rows.length * cols.length);
    const full = this.kernel * this.kernel;
    for (let i = 0; i < rows.length; i++)
      for (let j = 0; j < cols.length; j++) scale[i * cols.length + j] = full / (rows[i]! * cols[j]!);
    return tf.mul(pooled, tf.tensor4d(scale, [1, rows.length, cols.length, 1]));
  }
}

/** Mean over the spatial axes: [n,h,w,c] → [n,c] (`AdaptiveAvgPool2d(1)` + flatten). */
export class GlobalAvgPool extends Module {
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    return tf.mean(x, [1, 2]);
  }
}

/**
 * `nn.Linear` with PyTorch's default init; weight stored [in, out]. `{ bias: false }` drops the
 * bias (TensorFlow's `tf.matmul(x, w)` classifiers, as ENAS).
 */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  constructor(rng: Rng, readonly inFeatures: number, readonly outFeatures: number, o: { bias?: boolean } = {}) {
    super();
    this.weight = this.param('weight', kaimingUniform(rng, [inFeatures, outFeatures], inFeatures));
    if (o.bias ?? true) this.bias = this.param('bias', kaimingUniform(rng, [outFeatures], inFeatures));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (ctx.flops) ctx.flops.macs += this.inFeatures * this.outFeatures;
    const y = tf.matMul(x as tf.Tensor2D, this.weight as tf.Tensor2D);
    return this.bias ? tf.add(y, this.bias) : y;
  }
}

/** DARTS `ReLUConvBN`: ReLU → conv (no bias) → BN. */
export class ReLUConvBN extends Sequential {
  constructor(rng: Rng, cIn: number, cOut: number, kernel: number, stride: number, padding: number, affine = true) {
    super([
      new ReLU(),
      new Conv2d(rng, { inChannels: cIn, outChannels: cOut, kernel, stride, padding }),
      new BatchNorm(cOut, { affine }),
    ]);
  }
}

/** DARTS `DilConv`: ReLU → depthwise (dilated) conv → pointwise conv → BN. */
export class DilConv extends Sequential {
  constructor(
    rng: Rng,
    cIn: number,
    cOut: number,
    kernel: number,
    stride: number,
    padding: number,
    dilation: number,
    affine = true,
  ) {
    super([
      new ReLU(),
      new Conv2d(rng, { inChannels: cIn, outChannels: cIn, kernel, stride, padding, dilation, depthwise: true }),
      new Conv2d(rng, { inChannels: cIn, outChannels: cOut, kernel: 1 }),
      new BatchNorm(cOut, { affine }),
    ]);
  }
}

/** DARTS `SepConv`: the DilConv pattern twice (stride on the first only). */
export class SepConv extends Sequential {
  constructor(rng: Rng, cIn: number, cOut: number, kernel: number, stride: number, padding: number, affine = true) {
    super([
      new ReLU(),
      new Conv2d(rng, { inChannels: cIn, outChannels: cIn, kernel, stride, padding, depthwise: true }),
      new Conv2d(rng, { inChannels: cIn, outChannels: cIn, kernel: 1 }),
      new BatchNorm(cIn, { affine }),
      new ReLU(),
      new Conv2d(rng, { inChannels: cIn, outChannels: cIn, kernel, stride: 1, padding, depthwise: true }),
      new Conv2d(rng, { inChannels: cIn, outChannels: cOut, kernel: 1 }),
      new BatchNorm(cOut, { affine }),
    ]);
  }
}

/**
 * DARTS `FactorizedReduce`: halve the resolution with two 1×1 stride-2 convs, one on x and one
 * on x shifted by one pixel, concatenated along channels, then BN.
 */
export class FactorizedReduce extends Module {
  private readonly conv1: Conv2d;
  private readonly conv2: Conv2d;
  private readonly bn: BatchNorm;
  constructor(rng: Rng, cIn: number, cOut: number, affine = true) {
    super();
    if (cOut % 2 !== 0) throw new Error(`FactorizedReduce needs an even channel count, got ${cOut}`);
    this.conv1 = this.child('conv_1', new Conv2d(rng, { inChannels: cIn, outChannels: cOut / 2, kernel: 1, stride: 2 }));
    this.conv2 = this.child('conv_2', new Conv2d(rng, { inChannels: cIn, outChannels: cOut / 2, kernel: 1, stride: 2 }));
    this.bn = this.child('bn', new BatchNorm(cOut, { affine }));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const r = relu(x) as tf.Tensor4D;
    // tf.slice has a gradient (stridedSlice has none).
    const shifted = tf.slice(r, [0, 1, 1, 0], [-1, -1, -1, -1]);
    const y = tf.concat([this.conv1.forward(r, ctx), this.conv2.forward(shifted, ctx)], 3);
    return this.bn.forward(y, ctx);
  }
}
