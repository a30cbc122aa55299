import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { crossEntropy, type NetworkOutput } from '@naslab/engine';
import plugin, { smoothedCrossEntropy } from './index.js';

tf.enableProdMode();

describe('label smoothing', () => {
  it('the pure formula equals −Σ target·log p with target (1 − ε)·one-hot + ε/K', () => {
    const logits = [
      [2, -1, 0.5],
      [0, 0, 3],
    ];
    const { smoothed } = smoothedCrossEntropy(logits, [0, 1], 0.1);
    let direct = 0;
    logits.forEach((row, i) => {
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      row.forEach((v, k) => (direct -= ((k === [0, 1][i] ? 0.9 : 0) + 0.1 / 3) * (v - lse)));
    });
    expect(smoothed).toBeCloseTo(direct / 2, 12);
  });

  it('plain CE + the hook’s extra loss equals the smoothed cross-entropy (ε = 0.1)', async () => {
    const options = plugin.options!.parse({});
    expect(options.epsilon).toBe(0.1);
    const trick = await plugin.create({ options, label: 'label-smoothing', resolve: () => undefined as never });
    const rng = new Rng(5);
    const values = Float32Array.from({ length: 6 * 10 }, () => 3 * rng.normal());
    const logits = tf.tensor2d(values, [6, 10]);
    const labels = tf.tensor1d([1, 0, 9, 4, 4, 7], 'int32');
    const output: NetworkOutput = { logits, heads: {} };
    const extra = trick.hooks.extraLoss!({ output, labels, classes: 10, ctx: { training: true } })!;
    const total = tf.add(crossEntropy(logits, labels, 10), extra).dataSync()[0]!;
    // PyTorch's `label_smoothing`: −mean Σ target·log softmax, target = (1 − ε)·one-hot + ε/K.
    const target = tf.add(tf.mul(tf.oneHot(labels, 10).toFloat(), 0.9), 0.1 / 10);
    const smoothed = tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1)));
    expect(total).toBeCloseTo(smoothed.dataSync()[0]!, 5);
    const rows = Array.from({ length: 6 }, (_, i) => Array.from(values.subarray(i * 10, (i + 1) * 10)));
    expect(total).toBeCloseTo(smoothedCrossEntropy(rows, [1, 0, 9, 4, 4, 7], 0.1).smoothed, 4);
  });
});
