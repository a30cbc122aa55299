import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { AvgPool, FactorizedReduce, MaxPool, SepConv, DilConv } from '@naslab/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import plugin, { createWasmBackend } from './index.js';

type Case = { name: string; shapes: number[][]; f: (...xs: tf.Tensor[]) => tf.Tensor };

/** Gradients of Σ f(inputs)·r w.r.t. every input, on the active backend. */
function gradients(c: Case, seed: string): Float32Array[] {
  const rng = new Rng(seed);
  const rand = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
  return tf.tidy(() => {
    const xs = c.shapes.map(rand);
    const out = c.f(...xs);
    const r = rand(out.shape);
    const g = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(c.f(...ys), r)))(xs);
    return g;
  }).map((t) => {
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  });
}

const cases: Case[] = [
  { name: 'conv 3x3 stride 1 pad 1', shapes: [[2, 8, 8, 3], [3, 3, 3, 5]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 1) },
  { name: 'conv 1x1 stride 2', shapes: [[2, 8, 8, 4], [1, 1, 4, 6]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid') },
  { name: 'conv 3x3 stride 2 pad 1', shapes: [[1, 9, 9, 2], [3, 3, 2, 3]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1) },
  { name: 'depthwise 3x3 stride 1 pad 1', shapes: [[2, 8, 8, 4], [3, 3, 4, 1]], f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 1) },
  { name: 'depthwise 5x5 stride 2 pad 2', shapes: [[2, 8, 8, 4], [5, 5, 4, 1]], f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 2) },
  { name: 'depthwise 3x3 valid', shapes: [[1, 7, 6, 3], [3, 3, 3, 1]], f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid') },
  { name: 'max pool 3x3 stride 1 on 16px', shapes: [[2, 16, 16, 3]], f: (x) => new MaxPool(3, 1, 1).forward(x) },
  { name: 'max pool 3x3 stride 2 on 32px', shapes: [[1, 32, 32, 2]], f: (x) => new MaxPool(3, 2, 1).forward(x) },
  { name: 'avg pool 3x3 stride 2 (count_include_pad=False)', shapes: [[1, 16, 16, 2]], f: (x) => new AvgPool(3, 2, 1).forward(x) },
];

describe('wasm training kernels agree with tfjs cpu', () => {
  const reference = new Map<string, Float32Array[]>();
  beforeAll(async () => {
    await tf.setBackend('cpu');
    for (const c of cases) reference.set(c.name, gradients(c, c.name));
    await createWasmBackend().activate({ threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
  });

  for (const c of cases) {
    it(c.name, () => {
      const got = gradients(c, c.name);
      const want = reference.get(c.name)!;
      expect(got.length).toBe(want.length);
      got.forEach((g, k) => {
        expect(g.length).toBe(want[k]!.length);
        let worst = 0;
        for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i]! - want[k]![i]!) / (1 + Math.abs(want[k]![i]!)));
        expect(worst).toBeLessThan(1e-4);
      });
    });
  }

  it('trains DARTS ops end to end (sep/dil conv, factorized reduce) with finite gradients and no leaks', () => {
    const rng = new Rng('ops');
    const ops = [new SepConv(rng, 4, 4, 3, 2, 1), new DilConv(rng, 4, 4, 5, 1, 4, 2), new FactorizedReduce(rng, 4, 8)];
    const before = tf.memory().numTensors;
    for (const op of ops) {
      const vars = op.parameters().filter((p) => p.trainable).map((p) => p.variable);
      tf.tidy(() => {
        const x = tf.randomNormal([2, 16, 16, 4], 0, 1, 'float32', 3);
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(op.forward(x, { training: true }))) as tf.Scalar, vars);
        for (const g of Object.values(grads)) expect(Number.isFinite(tf.sum(tf.abs(g)).dataSync()[0]!)).toBe(true);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is a backend plugin of priority 20', () => {
    expect(plugin.kind).toBe('backend');
    expect(createWasmBackend().priority).toBe(20);
  });
});
