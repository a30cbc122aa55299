import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { crossEntropy, SgdMomentum } from '@naslab/engine';
import { loadDartsSupernet } from '../supernet.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstOrderArchGradient, secondOrderArchGradient, type TensorBatch } from './architect.js';
import { Adam } from './adam.js';
import type { DartsSupernet } from './model.js';

/**
 * The hypergradient identity holds for smooth losses. With ReLU and max-pool kinks, ∇_w L_train
 * jumps whenever an activation changes sign, so on a supernet this small a finite difference of
 * α ↦ L_val(w − ξ∇_w L_train(w, α), α) measures the jumps, not the derivative (measured: errors
 * of 50–4000 %). The test therefore swaps the cpu backend's Relu for softplus (forward kernel and
 * gradient) and leaves max pooling out of the candidate ops; the architect's code is unchanged.
 */
const reluKernel = tf.getKernel('Relu', 'cpu')!;
const reluGradient = tf.getGradient('Relu')!;
function useSoftplusForRelu(): void {
  tf.unregisterKernel('Relu', 'cpu');
  tf.registerKernel({
    kernelName: 'Relu',
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      const cpu = backend as unknown as { readSync(id: unknown): Float32Array; makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
      const v = cpu.readSync(x.dataId);
      const out = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = v[i]! > 20 ? v[i]! : Math.log1p(Math.exp(v[i]!));
      return cpu.makeTensorInfo([...x.shape], 'float32', out);
    },
  });
  tf.registerGradient({ kernelName: 'Relu', inputsToSave: ['x'], gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sigmoid(saved[0]!)) }) });
}
function restoreRelu(): void {
  tf.unregisterKernel('Relu', 'cpu');
  tf.registerKernel(reluKernel);
  tf.registerGradient(reluGradient);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const CLASSES = 3;

function batch(seed: string, n: number): TensorBatch {
  const r = new Rng(seed);
  return {
    x: tf.tensor4d(Float32Array.from({ length: n * 64 }, () => r.normal()), [n, 8, 8, 1]),
    y: tf.tensor1d(Int32Array.from({ length: n }, () => r.int(CLASSES)), 'int32'),
  };
}

const flatten = (grads: Record<string, tf.Tensor>, net: DartsSupernet) =>
  net.archParameters().flatMap((p) => Array.from(grads[p.variable.name]!.dataSync()));

describe('second-order architecture gradient (architect.py)', () => {
  beforeAll(useSoftplusForRelu);
  afterAll(restoreRelu);
  it('matches a central finite difference of α ↦ L_val(w − ξ(μ·buf + ∇L_train(w, α) + λw), α)', async () => {
    const { DartsSupernet } = await loadDartsSupernet();
    const net = new DartsSupernet({ channels: 2, cells: 3, classes: CLASSES, inputShape: [8, 8, 1], rng: new Rng('hyper') });
    // α away from uniform so the mixed ops differ; a momentum buffer and weight decay as in a real step
    const ar = new Rng('alpha-values');
    for (const c of ['normal', 'reduce'] as const)
      net.alphas[c].assign(tf.tensor2d(Float32Array.from({ length: 112 }, () => 0.5 * ar.normal()), [14, 8]));
    // smooth candidates only (no max pooling); fewer ops also keep the cpu test short
    const smooth = [true, false, true, true, true, false, true, false];
    for (const c of ['normal', 'reduce'] as const) for (let e = 0; e < 14; e++) net.setCandidates(c, e, smooth);
    const weights = net.weightParameters();
    const alphas = net.archParameters();
    const sgd = new SgdMomentum(weights, 0.9, 3e-4);
    const br = new Rng('buffers');
    for (const b of sgd.buffers.values()) b.assign(tf.tensor(Float32Array.from({ length: b.size }, () => 0.01 * br.normal()), b.shape));
    const train = batch('train', 4);
    const valid = batch('valid', 4);
    const xi = 0.5;
    const settings = { lr: xi, momentum: 0.9, weightDecay: 3e-4, sgd }; // reference r = 0.01

    const g2 = flatten(secondOrderArchGradient(net, train, valid, CLASSES, alphas, weights, settings), net);

    const wVars = weights.map((p) => p.variable);
    const loss = (b: TensorBatch) => crossEntropy(net.run(b.x, { training: true }).logits, b.y, CLASSES);
    const original = wVars.map((v) => tf.clone(v));
    const unroll = () => {
      const { value, grads } = tf.variableGrads(() => loss(train), wVars);
      value.dispose();
      tf.tidy(() =>
        weights.forEach((p, i) => {
          const d = tf.add(tf.add(grads[p.variable.name] ?? tf.zerosLike(p.variable), tf.mul(original[i]!, 3e-4)), tf.mul(sgd.buffers.get(p.path)!, 0.9));
          p.variable.assign(tf.sub(original[i]!, tf.mul(d, xi)));
        }),
      );
      tf.dispose(grads);
    };
    const restore = () => tf.tidy(() => wVars.forEach((v, i) => v.assign(original[i]!)));
    const F = () => {
      unroll();
      const value = tf.tidy(() => loss(valid).dataSync()[0]!);
      restore();
      return value;
    };
    // the first-order term alone, ∇_α L_val(w', α) at fixed w', for contrast
    unroll();
    const direct = flatten(firstOrderArchGradient(net, valid, CLASSES, alphas), net);
    restore();

    const alpha0 = alphas.map((p) => tf.clone(p.variable));
    const directional = (v: number[], h: number) => {
      const shift = (sign: number) =>
        tf.tidy(() => {
          let offset = 0;
          alphas.forEach((p, i) => {
            const part = v.slice(offset, offset + p.variable.size);
            offset += p.variable.size;
            p.variable.assign(tf.add(alpha0[i]!, tf.mul(tf.tensor(part, p.variable.shape), sign * h)));
          });
        });
      shift(1);
      const fp = F();
      shift(-1);
      const fm = F();
      shift(0);
      return (fp - fm) / (2 * h);
    };
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const norm = (a: number[]) => Math.sqrt(dot(a, a));

    const dr = new Rng('directions');
    const directions = [g2.map((x) => x / norm(g2)), ...[0, 1].map(() => {
      const v = g2.map(() => dr.normal());
      return v.map((x) => x / norm(v));
    })];
    const errors: number[] = [];
    const directErrors: number[] = [];
    for (const v of directions) {
      const fd = directional(v, 1e-2);
      errors.push(Math.abs(fd - dot(g2, v)) / Math.abs(fd));
      directErrors.push(Math.abs(fd - dot(direct, v)) / Math.abs(fd));
    }
    console.log(`hypergradient relative errors: second order ${errors.map((e) => e.toExponential(2)).join(', ')}; first-order term alone ${directErrors.map((e) => e.toExponential(2)).join(', ')}`);
    // Measured: 0.09–0.8 % along the gradient and two random directions (float32, central
    // differences with h = 1e-2 in α, the reference ε = 0.01/‖v‖ in w); the first-order term
    // alone is 87–131 % off. Bound: 3 %.
    for (const e of errors) expect(e).toBeLessThan(0.03);
    expect(Math.max(...directErrors)).toBeGreaterThan(Math.max(...errors));
    tf.dispose([original, alpha0]);
    sgd.dispose();
    net.dispose();
  });
});

describe('optimisers', () => {
  it('Adam takes PyTorch first steps: −lr·sign(g) at step 1 (bias-corrected), L2 decay added to g', () => {
    const v = tf.variable(tf.tensor1d([1, -2, 0.5]), true, 'adam_test_param');
    const adam = new Adam([{ path: 'p', variable: v, trainable: true, auxiliary: false }], 0.1, 0.5, 0.999, 0.01);
    adam.step({ [v.name]: tf.tensor1d([0.3, -0.1, 0]) });
    // g + wd·w = [0.31, −0.12, 0.005] → step −0.1·sign
    const after = Array.from(v.dataSync());
    expect(after[0]).toBeCloseTo(0.9, 5);
    expect(after[1]).toBeCloseTo(-1.9, 5);
    expect(after[2]).toBeCloseTo(0.4, 4);
    adam.dispose();
    v.dispose();
  });
  it('SGD with momentum: buf = μ·buf + g + λw, w −= lr·buf', () => {
    const v = tf.variable(tf.tensor1d([1, 2]), true, 'sgd_test_param');
    const sgd = new SgdMomentum([{ path: 'p', variable: v, trainable: true, auxiliary: false }], 0.9, 0.1);
    sgd.step({ [v.name]: tf.tensor1d([1, 1]) }, 0.5);
    expect(Array.from(v.dataSync())).toEqual([1 - 0.5 * 1.1, 2 - 0.5 * 1.2].map(Math.fround));
    sgd.step({ [v.name]: tf.tensor1d([0, 0]) }, 0.5);
    const buf = Array.from(sgd.buffers.get('p')!.dataSync());
    expect(buf[0]).toBeCloseTo(0.9 * 1.1 + 0.1 * 0.45, 5);
    sgd.dispose();
    v.dispose();
  });
});
