import { Rng } from '@naslab/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamOptimizer, SKLEARN_ADAM } from './adam.js';
import { convMatrixProducts, jsMatrixProducts, matMulMatrixProducts, type MatrixProducts } from './matrix-products.js';
import { MlpRegressor, type MlpOptions } from './mlp.js';

const options: MlpOptions = { hiddenLayers: [7, 6], epochs: 20, learningRate: 1e-3, l2: 1e-2, batchSize: 200, patience: 10, tolerance: 1e-4 };

/** Values in [-1, 1) with about a third set to zero (as ReLU outputs and one-hot inputs have). */
function randomMatrix(rng: Rng, length: number): Float32Array {
  return Float32Array.from({ length }, () => (rng.uniform() < 0.3 ? 0 : 2 * rng.uniform() - 1));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// 5 rows: padded, and the transposed A·Bᵀ; 70 rows: Conv2DBackpropInput.
describe.each([5, 70])('matrix products, %i rows', (n) => {
  const rng = new Rng(`products/${n}`);
  const [k, m] = [4, 3];
  const a = randomMatrix(rng, n * k);
  const b = randomMatrix(rng, k * m);
  const dy = randomMatrix(rng, n * m);
  const at = (x: Float32Array, cols: number, r: number, c: number) => x[r * cols + c]!;
  const naive = {
    ab: Float32Array.from({ length: n * m }, (_, i) => [...Array(k).keys()].reduce((s, j) => s + at(a, k, Math.floor(i / m), j) * at(b, m, j, i % m), 0)),
    atb: Float32Array.from({ length: k * m }, (_, i) => [...Array(n).keys()].reduce((s, r) => s + at(a, k, r, Math.floor(i / m)) * at(dy, m, r, i % m), 0)),
    abt: Float32Array.from({ length: n * k }, (_, i) => [...Array(m).keys()].reduce((s, j) => s + at(dy, m, Math.floor(i / k), j) * at(b, m, i % k, j), 0)),
  };
  it.each<[string, () => MatrixProducts]>([
    ['js', () => jsMatrixProducts],
    ['conv2d-1x1', () => convMatrixProducts(tf)],
    ['matMul', () => matMulMatrixProducts(tf)],
  ])('%s computes A·B, Aᵀ·B and A·Bᵀ', (_, route) => {
    const p = route();
    const tensorsBefore = tf.memory().numTensors;
    const got = { ab: p.ab(a, b, n, k, m), atb: p.atb(a, dy, n, k, m), abt: p.abt(dy, b, n, m, k) };
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    for (const key of ['ab', 'atb', 'abt'] as const) {
      expect(got[key]).toHaveLength(naive[key].length);
      got[key].forEach((v, i) => expect(v).toBeCloseTo(naive[key][i]!, 5));
    }
  });
});

describe('the hand-written backward pass', () => {
  it.each<[string, () => MatrixProducts]>([
    ['js', () => jsMatrixProducts],
    ['conv2d-1x1', () => convMatrixProducts(tf)],
  ])('gives the loss and gradients of tfjs autograd (%s products)', (_, route) => {
    const rng = new Rng('grad');
    const [rows, d] = [9, 5];
    const x = randomMatrix(rng, rows * d);
    const y = Float32Array.from({ length: rows }, () => 2 * rng.uniform() - 1);
    const mlp = new MlpRegressor(tf, d, options, new Rng('init'), route());
    const mine = mlp.gradients(x, y, rows);

    const sizes = mlp.sizes;
    const ws = mlp.weights.map((w, l) => tf.variable(tf.tensor2d(w, [sizes[l]!, sizes[l + 1]!])));
    const bs = mlp.biases.map((b) => tf.variable(tf.tensor1d(b)));
    const xs = tf.tensor2d(x, [rows, d]);
    const ys = tf.tensor1d(y);
    const { value, grads } = tf.variableGrads(() => {
      let h: tf.Tensor2D = xs;
      ws.forEach((w, l) => {
        h = tf.add(tf.matMul(h, w), bs[l]!);
        if (l < ws.length - 1) h = tf.relu(h);
      });
      const data = tf.mul(0.5, tf.mean(tf.square(tf.sub(tf.reshape(h, [-1]), ys))));
      const penalty = tf.mul((0.5 * options.l2) / rows, tf.addN(ws.map((w) => tf.sum(tf.square(w)))));
      return tf.add(data, penalty) as tf.Scalar;
    }, [...ws, ...bs]);
    expect(mine.loss).toBeCloseTo(value.dataSync()[0]!, 5);
    const expectClose = (got: Float32Array, want: tf.Tensor) => {
      const w = want.dataSync();
      expect(got).toHaveLength(w.length);
      got.forEach((v, i) => expect(Math.abs(v - w[i]!)).toBeLessThan(1e-5));
    };
    ws.forEach((w, l) => expectClose(mine.weights[l]!, grads[w.name]!));
    bs.forEach((b, l) => expectClose(mine.biases[l]!, grads[b.name]!));
    // The ReLUs must not all be dead, or the test proves little.
    expect(mine.weights[0]!.some((v) => v !== 0)).toBe(true);
    tf.dispose([...ws, ...bs, xs, ys, value, ...Object.values(grads)]);
  });
});

describe('Adam', () => {
  it.each([
    ['WebAssembly SIMD', false],
    ['JS', true],
  ])("takes scikit-learn's AdamOptimizer steps, gradients finished as _compute_loss_grad does (%s)", (_, forceJs) => {
    const rng = new Rng('adam');
    const sizes = [17, 6];
    const [alpha, rows] = [0.3, 7];
    const adam = new AdamOptimizer(sizes, SKLEARN_ADAM, [true, false], forceJs);
    // Node ≥ 20 has WebAssembly SIMD: the kernel must have compiled.
    expect(adam.route).toBe(forceJs ? 'js' : 'wasm-simd');
    for (const p of adam.params) for (let i = 0; i < p.length; i++) p[i] = 2 * rng.uniform() - 1;
    const initial = adam.params.map((p) => Float32Array.from(p));
    // sklearn/neural_network/_stochastic_optimizers.py AdamOptimizer._get_updates and
    // _multilayer_perceptron.py _compute_loss_grad, in float64.
    const { learningRate: lr, beta1, beta2, epsilon } = SKLEARN_ADAM;
    const ref = adam.params.map((p) => ({ p: Array.from(p), m: new Array<number>(p.length).fill(0), v: new Array<number>(p.length).fill(0) }));
    for (let t = 1; t <= 5; t++) {
      let sumSquares = 0;
      ref[0]!.p.forEach((w) => (sumSquares += w * w));
      adam.grads.forEach((g) => g.forEach((_, i) => (g[i] = (2 * rng.uniform() - 1) * 10 ** (3 * rng.uniform() - 2))));
      const raw = adam.grads.map((g) => Array.from(g));
      expect(adam.step(1 / rows, alpha)).toBeCloseTo(sumSquares, 5);
      const lrT = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      ref.forEach((r, k) => {
        for (let i = 0; i < r.p.length; i++) {
          const g = k === 0 ? (raw[k]![i]! + alpha * r.p[i]!) / rows : raw[k]![i]! / rows;
          r.m[i] = beta1 * r.m[i]! + (1 - beta1) * g;
          r.v[i] = beta2 * r.v[i]! + (1 - beta2) * g ** 2;
          r.p[i]! += (-lrT * r.m[i]!) / (Math.sqrt(r.v[i]!) + epsilon);
        }
      });
      expect(adam.steps).toBe(t);
      adam.params.forEach((p, k) => p.forEach((v, i) => expect(Math.abs(v - ref[k]!.p[i]!)).toBeLessThan(1e-6)));
    }
    // The steps (about lr each, signs drawn at random) moved every parameter.
    adam.params.forEach((p, k) => p.forEach((v, i) => expect(Math.abs(v - initial[k]![i]!)).toBeGreaterThan(1e-5)));
  });
});

describe('the regressor', () => {
  const d = 6;
  const n = 150;
  const rng = new Rng('fit');
  const x = randomMatrix(rng, n * d);
  const y = Float32Array.from({ length: n }, (_, r) => x[r * d]! - 0.5 * x[r * d + 1]!);

  it('fits, and predicts the same on every product route and chunking', () => {
    const fitted = (p: MatrixProducts) => {
      const mlp = new MlpRegressor(tf, d, { ...options, hiddenLayers: [16, 16], epochs: 60, learningRate: 1e-2 }, new Rng('same'), p);
      const epochs = mlp.fit(x, y);
      return { mlp, epochs };
    };
    const js = fitted(jsMatrixProducts);
    const conv = fitted(convMatrixProducts(tf));
    expect(conv.epochs).toBe(js.epochs);
    const pj = js.mlp.predictRows(x, n);
    const pc = conv.mlp.predictRows(x, n, 64);
    pj.forEach((v, i) => expect(pc[i]).toBeCloseTo(v, 4));
    const mse = pj.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / n;
    const variance = y.reduce((s, v) => s + v * v, 0) / n - (y.reduce((s, v) => s + v, 0) / n) ** 2;
    expect(mse).toBeLessThan(0.2 * variance);
  });

  it('stops early on a training-loss plateau', () => {
    // A learning rate too small to improve the loss by the tolerance: stale from the first epoch.
    const mlp = new MlpRegressor(tf, d, { ...options, epochs: 100, learningRate: 1e-9 }, new Rng('plateau'));
    expect(mlp.fit(x, y)).toBe(options.patience + 2);
  });
});
