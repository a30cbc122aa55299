import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkGradients,
  countParameters,
  Dropout,
  Linear,
  PaddedFactorizedReduce,
  RectConv2d,
  SameAvgPool,
  SameMaxPool,
  samePadding,
  SqueezeExcitation,
} from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const rng = new Rng('cell-layers');

describe('SAME padding (TensorFlow)', () => {
  it('pads the extra pixel after: 3×3 stride 2 on 32 px pads (0, 1), 5×5 stride 2 pads (1, 2), stride 1 symmetric', () => {
    expect(samePadding(32, 3, 2)).toEqual([0, 1]);
    expect(samePadding(32, 5, 2)).toEqual([1, 2]);
    expect(samePadding(33, 3, 2)).toEqual([1, 1]);
    expect(samePadding(8, 3, 1)).toEqual([1, 1]);
    expect(samePadding(8, 1, 2)).toEqual([0, 0]);
  });

  it('average pool averages only real pixels; max pool never picks the padding; ⌈size/stride⌉ outputs', () => {
    // 4×4 ramp 0…15, 3×3 stride 2: windows start at rows/cols 0 and 2 (padding after)
    const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const avg = new SameAvgPool(3, 2).forward(x);
    expect(avg.shape).toEqual([1, 2, 2, 1]);
    // window (0,0): rows 0–2, cols 0–2 → mean 5; (0,1): rows 0–2, cols 2–3 → mean of 2,3,6,7,10,11 = 6.5
    expect(values(avg)).toEqual([5, 6.5, 11, 12.5]);
    const minus = tf.fill([1, 4, 4, 1], -1);
    expect(values(new SameMaxPool(3, 2).forward(minus))).toEqual([-1, -1, -1, -1]);
    expect(values(new SameAvgPool(3, 1).forward(tf.ones([1, 3, 3, 1])))).toEqual(new Array(9).fill(1));
  });
});

describe('RectConv2d', () => {
  it('a 1×7 conv with stride (1, 2) and padding (0, 3) keeps the height and halves the width; 7·C² weights; finite-difference gradients', () => {
    const conv = new RectConv2d(rng, 3, [1, 7], [1, 2], [0, 3]);
    expect(countParameters(conv)).toBe(7 * 3 * 3);
    expect(conv.forward(tf.zeros([1, 8, 8, 3]), { training: false }).shape).toEqual([1, 8, 4, 3]);
    const r = checkGradients(conv, [2, 6, 6, 3], rng.split('rect'));
    expect(r.worstError).toBeLessThan(2e-2);
    conv.dispose();
  });
});

describe('PaddedFactorizedReduce', () => {
  it('path 2 reads the input shifted by one pixel (zero padding right and bottom); no ReLU unless asked', () => {
    const fr = new PaddedFactorizedReduce(rng, 1, 2, false);
    for (const p of fr.parameters()) if (p.path.endsWith('weight') && p.variable.shape.length === 4) p.variable.assign(tf.onesLike(p.variable));
    const x = tf.tensor4d([-1, -2, -3, -4, -5, -6, -7, -8, -9], [1, 3, 3, 1]);
    const y = fr.forward(x, { training: false });
    expect(y.shape).toEqual([1, 2, 2, 2]);
    const eps = Math.sqrt(1 + 1e-5);
    const expected = [-1, -5, -3, 0, -7, 0, -9, 0].map((v) => v / eps);
    values(y).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    expect(fr.parameters().map((p) => p.path)).toEqual(['path1.weight', 'path2.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var']);
    const withRelu = new PaddedFactorizedReduce(rng, 1, 2, true);
    expect(Math.max(...withRelu.forward(x, { training: false }).dataSync())).toBe(0);
  });
});

describe('SqueezeExcitation', () => {
  it('2·c·⌊c/16⌋ weights, no bias; scales each channel by a gate in (0, 1) computed from its global mean', () => {
    const se = new SqueezeExcitation(rng, 32);
    expect(countParameters(se)).toBe(2 * 32 * 2);
    const x = tf.randomNormal([2, 4, 4, 32], 0, 1, 'float32', 3);
    const y = se.forward(x, { training: false });
    const ratio = tf.div(y, x);
    // one gate per (sample, channel): constant over the spatial positions
    const r = values(ratio);
    for (let c = 0; c < 32; c++) expect(r[c + 32 * 5]).toBeCloseTo(r[c]!, 4);
    expect(r.every((v) => v > 0 && v < 1)).toBe(true);
    expect(checkGradients(se, [2, 3, 3, 32], rng.split('se')).worstError).toBeLessThan(2e-2);
    // 8 channels: an empty hidden layer (nn.Linear(8, 0)), so every gate is sigmoid(0) = ½
    const empty = new SqueezeExcitation(rng, 8);
    expect(countParameters(empty)).toBe(0);
    expect(values(empty.forward(tf.fill([1, 2, 2, 8], 3), { training: false }))).toEqual(new Array(32).fill(1.5));
  });
});

describe('Linear without bias and Dropout', () => {
  it('{ bias: false }: in·out weights and y = x·W', () => {
    const fc = new Linear(rng, 3, 2, { bias: false });
    expect(countParameters(fc)).toBe(6);
    expect(fc.bias).toBeUndefined();
    const y = fc.forward(tf.zeros([1, 3]), { training: false });
    expect(values(y)).toEqual([0, 0]);
  });

  it('dropout: identity in evaluation; in training drops a p fraction and scales the rest by 1/(1 − p)', () => {
    const d = new Dropout(0.4);
    const x = tf.ones([50, 200]);
    expect(values(d.forward(x, { training: false })).every((v) => v === 1)).toBe(true);
    const y = values(d.forward(x, { training: true, rng: new Rng('dropout') }));
    const dropped = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(dropped - 0.4)).toBeLessThan(0.02);
    expect(y.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.6) < 1e-6)).toBe(true);
  });
});
