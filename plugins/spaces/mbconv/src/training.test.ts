import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { syntheticImageDataset } from '@naslab/core/testing';
import { BatchNorm, createTrainStep, crossEntropy, normalisationTable, normaliseWithTable, type Module } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import { createMbconvSpace, mbconvSpaceOptions } from './index.js';
import { buildMbconvNetwork, DEFAULT_NETWORK_OPTIONS, type MbconvNetwork, type MbconvNetworkOptions } from './network.js';

await tf.setBackend('cpu');
tf.enableProdMode();

function batchNorms(m: Module, out: BatchNorm[] = []): BatchNorm[] {
  if (m instanceof BatchNorm) out.push(m);
  for (const [, child] of m.children()) batchNorms(child, out);
  return out;
}

// Toy size: width 0.1 (8 filters a stage), 8×8 inputs, 16 images of two classes.
const TOY: MbconvNetworkOptions = { ...DEFAULT_NETWORK_OPTIONS, widthMultiplier: 0.1, headChannels: 16, dropout: 0, batchNormMomentum: 0.1 };
const data = syntheticImageDataset({ classes: 2, shape: [8, 8, 1], train: 16, seed: 'mbconv-training' });

// Every kind of block (expansion 1, 3, 6; 3×3 and 5×5; a residual one) in 8 blocks, for speed.
const ARCH = 'k5e6 k3e3 skip skip | k3e6 skip skip skip | k5e3 skip skip skip | k3e3 skip skip skip | k5e6 k3e6 skip skip';

function build(o: MbconvNetworkOptions): MbconvNetwork {
  const arch = createMbconvSpace().parse(ARCH);
  return buildMbconvNetwork(arch, { channels: 0, cells: 0, classes: 2, inputShape: [8, 8, 1], rng: new Rng('init') }, o);
}

describe('MBConv network training at toy size', () => {
  it('keeps the BatchNorm momentum in the engine convention: one training pass moves the running mean by m · batch mean', async () => {
    expect(mbconvSpaceOptions.parse({}).batchNormMomentum).toBe(0.01);
    for (const momentum of [0.01, 0.1]) {
      const net = build({ ...TOY, batchNormMomentum: momentum });
      const stemBn = batchNorms(net)[0]!;
      expect(stemBn.momentum).toBe(momentum);
      expect(batchNorms(net).every((bn) => bn.momentum === momentum && bn.eps === 1e-3)).toBe(true);
      const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
      const stemOut = tf.tidy(() => tf.mean((net as unknown as { stem: Module }).stem.forward(x, { training: true }), [0, 1, 2]));
      tf.tidy(() => {
        net.run(x, { training: true });
      });
      const expected = stemOut.dataSync();
      const running = stemBn.runningMean.dataSync();
      for (let i = 0; i < expected.length; i++) expect(running[i]).toBeCloseTo(momentum * expected[i]!, 5);
      tf.dispose([x, stemOut]);
      net.dispose();
    }
  });

  it('learns a small batch in a few SGD steps, and evaluates it as trained once the running statistics have caught up', async () => {
    const set = await data.load('train');
    const table = normalisationTable(data.info.mean, data.info.std, 1);
    const x = normaliseWithTable(set.pixels, table, 1);
    const labels = Int32Array.from(set.labels);
    // Momentum 0.5: the running statistics follow the last few batches (training mode ignores them).
    const net = build({ ...TOY, batchNormMomentum: 0.5 });
    const trainable = net.parameters().filter((p) => p.trainable);
    const buffers = trainable.map((p) => tf.variable(tf.zerosLike(p.variable), false));
    const step = createTrainStep({ network: net, trainable, buffers, hooks: [], classes: 2, protocol: { gradClip: 5, weightDecay: 0, momentum: 0.9 }, inputShape: [8, 8, 1] });
    const lossOf = (training: boolean) =>
      tf.tidy(() => crossEntropy(net.run(tf.tensor4d(x, [16, 8, 8, 1]), { training }).logits, tf.tensor1d(labels, 'int32'), 2).dataSync()[0]!);
    const losses: number[] = [];
    for (let i = 0; i < 15; i++) losses.push(step(x, labels, 16, 0.1).loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    // ln 2 = 0.69 is chance on two classes; the last steps' loss is well below the first's.
    expect(losses.slice(-3).reduce((a, b) => a + b) / 3).toBeLessThan(0.5 * losses[0]!);
    // Evaluation uses the running statistics: after 10 more passes at momentum 0.5 they are the
    // batch's own, and the evaluation-mode loss is the training-mode loss of the same weights.
    for (let i = 0; i < 10; i++)
      tf.tidy(() => {
        net.run(tf.tensor4d(x, [16, 8, 8, 1]), { training: true });
      });
    const trained = lossOf(true);
    const evaluated = lossOf(false);
    expect(trained).toBeLessThan(Math.LN2 - 0.3);
    expect(Math.abs(evaluated - trained)).toBeLessThan(0.15);
    tf.dispose(buffers);
    net.dispose();
  });
});
