import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AvgPool,
  BatchNorm,
  Conv2d,
  DilConv,
  FactorizedReduce,
  Linear,
  MaxPool,
  ReLUConvBN,
  SepConv,
  checkGradients,
  countParameters,
  type ForwardContext,
  type Module,
} from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const train: ForwardContext = { training: true };
const evalCtx: ForwardContext = { training: false };

function randomTensor(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

/** Finite differences (ε = 3e-3, float32) against autograd; tolerance 2e-2 relative to 1 + |grad|. */
function gradCheck(module: Module, inputShape: number[], seed: string): void {
  const r = checkGradients(module, inputShape, new Rng(seed));
  expect(r.probes).toBeGreaterThanOrEqual(6);
  expect(r.worstError).toBeLessThan(2e-2);
}

describe('gradient checks (finite differences, float32)', () => {
  const rng = new Rng('ops');
  const cases: Array<[string, () => Module, number[]]> = [
    ['conv 3x3 stride 2 pad 1', () => new Conv2d(rng, { inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1 }), [2, 6, 6, 3]],
    ['relu_conv_bn 1x1', () => new ReLUConvBN(rng, 3, 4, 1, 1, 0), [2, 5, 5, 3]],
    ['sep_conv_3x3 stride 1', () => new SepConv(rng, 3, 3, 3, 1, 1), [2, 6, 6, 3]],
    ['sep_conv_5x5 stride 2', () => new SepConv(rng, 3, 3, 5, 2, 2), [2, 6, 6, 3]],
    ['dil_conv_3x3 stride 1', () => new DilConv(rng, 3, 3, 3, 1, 2, 2), [2, 6, 6, 3]],
    ['dil_conv_3x3 stride 2', () => new DilConv(rng, 3, 3, 3, 2, 2, 2), [2, 6, 6, 3]],
    ['dil_conv_5x5 stride 1 (odd size)', () => new DilConv(rng, 2, 2, 5, 1, 4, 2), [2, 7, 7, 2]],
    ['max_pool_3x3 stride 2', () => new MaxPool(3, 2, 1), [2, 6, 6, 2]],
    ['avg_pool_3x3 stride 1', () => new AvgPool(3, 1, 1), [2, 5, 5, 2]],
    ['factorized_reduce', () => new FactorizedReduce(rng, 3, 4), [2, 6, 6, 3]],
    ['batchnorm (train)', () => new BatchNorm(3), [4, 3, 3, 3]],
  ];
  for (const [name, make, shape] of cases) {
    it(name, () => {
      const m = make();
      gradCheck(m, shape, name);
      m.dispose();
    });
  }
  it('linear', () => {
    const m = new Linear(rng, 5, 3);
    const x = randomTensor(rng, [4, 5]);
    const g = tf.grad((xx: tf.Tensor) => tf.sum(m.forward(xx, train)))(x);
    // d/dx Σ(xW + b) = row sums of W
    const w = m.weight.arraySync() as number[][];
    expect((g.arraySync() as number[][])[0]).toEqual(w.map((row) => expect.closeTo(row.reduce((a, b) => a + b, 0), 5)));
    tf.dispose([x, g]);
    m.dispose();
  });
});

/** Plain-loop depthwise conv with PyTorch semantics, the reference for the dilation tricks. */
function naiveDepthwise(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number, dil: number): number[] {
  const [n, h, wd, c] = x.shape;
  const k = w.shape[0];
  const xv = x.dataSync();
  const wv = w.dataSync();
  const oh = Math.floor((h + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
  const ow = Math.floor((wd + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let a = 0; a < k; a++)
            for (let bb = 0; bb < k; bb++) {
              const y = i * stride + a * dil - pad;
              const xx = j * stride + bb * dil - pad;
              if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
              s += xv[((b * h + y) * wd + xx) * c + ch]! * wv[(a * k + bb) * c + ch]!;
            }
          out.push(s);
        }
  return out;
}

describe('PyTorch semantics', () => {
  const rng = new Rng('semantics');
  for (const [k, s, p, size] of [
    [3, 1, 2, 8],
    [3, 2, 2, 8],
    [5, 1, 4, 7],
    [5, 2, 4, 8],
  ] as const) {
    it(`dilated depthwise conv k=${k} stride=${s} pad=${p} on ${size}px matches a plain loop`, () => {
      const conv = new Conv2d(rng, { inChannels: 2, outChannels: 2, kernel: k, stride: s, padding: p, dilation: 2, depthwise: true });
      const x = randomTensor(rng, [1, size, size, 2]) as tf.Tensor4D;
      const y = conv.forward(x, evalCtx);
      const ref = naiveDepthwise(x, conv.weight as tf.Tensor4D, s, p, 2);
      expect(y.size).toBe(ref.length);
      Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 4));
      conv.dispose();
    });
  }

  it('avg pool excludes padding from the count (count_include_pad=False)', () => {
    const x = tf.tensor4d(Float32Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const y = new AvgPool(3, 1, 1).forward(x).dataSync();
    expect(y[0]).toBeCloseTo((0 + 1 + 4 + 5) / 4, 5); // corner: 4 real taps
    expect(y[1]).toBeCloseTo((0 + 1 + 2 + 4 + 5 + 6) / 6, 5); // edge: 6 taps
    expect(y[5]).toBeCloseTo((0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10) / 9, 5);
  });

  it('avg pool with countIncludePad counts the zero padding (PyTorch AvgPool2d default)', () => {
    const x = tf.tensor4d(Float32Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const y = new AvgPool(3, 1, 1, { countIncludePad: true }).forward(x).dataSync();
    expect(y[0]).toBeCloseTo((0 + 1 + 4 + 5) / 9, 5); // corner: 4 real taps of 9
    expect(y[1]).toBeCloseTo((0 + 1 + 2 + 4 + 5 + 6) / 9, 5);
    expect(y[5]).toBeCloseTo((0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10) / 9, 5);
    // stride 2: windows of 4, 6, 6 and 9 real taps, each divided by 9
    const excluded = new AvgPool(3, 2, 1).forward(x).dataSync();
    const included = new AvgPool(3, 2, 1, { countIncludePad: true }).forward(x).dataSync();
    [4, 6, 6, 9].forEach((taps, i) => expect(included[i]).toBeCloseTo((excluded[i]! * taps) / 9, 5));
  });

  it('max pool stride 2 pads symmetrically like PyTorch (window of output 0 is rows/cols −1..1)', () => {
    const x = tf.tensor4d(Float32Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const y = new MaxPool(3, 2, 1).forward(x);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    // TensorFlow 'same' would put output 0's window on rows 0..2 (max 10); PyTorch's covers −1..1.
    expect(Array.from(y.dataSync())).toEqual([5, 7, 13, 15]);
  });

  it('BatchNorm running statistics update only in training mode (momentum 0.1, unbiased variance)', () => {
    const bn = new BatchNorm(1);
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    bn.forward(x, evalCtx);
    expect(bn.runningMean.dataSync()[0]).toBe(0);
    expect(bn.runningVar.dataSync()[0]).toBe(1);
    const y = bn.forward(x, train).dataSync();
    // mean 4.5, biased var 5.25, unbiased 6
    expect(bn.runningMean.dataSync()[0]).toBeCloseTo(0.45, 6);
    expect(bn.runningVar.dataSync()[0]).toBeCloseTo(0.9 + 0.6, 6);
    expect(y[0]).toBeCloseTo((1 - 4.5) / Math.sqrt(5.25 + 1e-5), 5);
    const before = bn.runningMean.dataSync()[0];
    const ye = bn.forward(x, evalCtx).dataSync();
    expect(bn.runningMean.dataSync()[0]).toBe(before);
    expect(ye[0]).toBeCloseTo((1 - 0.45) / Math.sqrt(1.5 + 1e-5), 5);
    expect(countParameters(bn)).toBe(2);
    expect(countParameters(new BatchNorm(3, { affine: false }))).toBe(0);
  });

  it('initialisation is PyTorch default: U(±1/√fan_in), deterministic per seed', () => {
    const a = new Conv2d(new Rng('init'), { inChannels: 4, outChannels: 8, kernel: 3 });
    const b = new Conv2d(new Rng('init'), { inChannels: 4, outChannels: 8, kernel: 3 });
    const av = a.weight.dataSync();
    expect(Array.from(av)).toEqual(Array.from(b.weight.dataSync()));
    const bound = 1 / Math.sqrt(36);
    expect(Math.max(...av.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...av.map(Math.abs))).toBeGreaterThan(0.9 * bound);
  });
});
