import type { Rng } from '@naslab/core';
import { AdamOptimizer } from './adam.js';
import { jsMatrixProducts, selectMatrixProducts, type MatrixProducts } from './matrix-products.js';

type Tf = typeof import('@tensorflow/tfjs');

export interface MlpOptions {
  readonly hiddenLayers: readonly number[];
  /** Maximum passes over the training set (sklearn `max_iter`). */
  readonly epochs: number;
  readonly learningRate: number;
  /** L2 penalty (sklearn `alpha`). */
  readonly l2: number;
  /** Mini-batch size cap (sklearn: min(200, n)). */
  readonly batchSize: number;
  /** Stop when the epoch loss has not improved by `tolerance` for this many epochs (sklearn `n_iter_no_change`). */
  readonly patience: number;
  readonly tolerance: number;
}

/** A mini-batch's loss (before the step) and the gradients of every weight matrix and bias vector. */
export interface MlpGradients {
  readonly loss: number;
  readonly weights: Float32Array[];
  readonly biases: Float32Array[];
}

/** Rows ranked per forward pass by `predictRows`: bounds the activations' memory (16 MB a layer at 1,000 units). */
export const PREDICT_CHUNK_ROWS = 4096;

/**
 * A ReLU MLP regressor trained like scikit-learn's `MLPRegressor` (what WeakNAS uses): Glorot
 * uniform initialisation of weights and biases, Adam, squared loss `½·mean((y−ŷ)²)` plus
 * `½·alpha·ΣW²/n`, shuffled mini-batches of min(200, n), early stop on a training-loss plateau.
 * Weights are drawn from core's Rng, so a seed fixes the predictor.
 *
 * Forward and backward passes are written out (no autograd): parameters, moments and
 * activations are Float32Arrays, the dense products go through `products` (on libtorch: 1×1
 * convolutions run by oneDNN; in JS, zero entries of the left factor are skipped, so the one-hot
 * first layer is a sum of weight rows), everything else is a JS loop.
 */
export class MlpRegressor {
  /** Layer l maps `sizes[l]` to `sizes[l + 1]` units; its weights are row-major `sizes[l] × sizes[l + 1]`. */
  readonly sizes: readonly number[];
  /** Weights of each layer (replaced by views of the optimizer's memory when `fit` starts). */
  readonly weights: Float32Array[] = [];
  readonly biases: Float32Array[] = [];
  readonly products: MatrixProducts;

  constructor(
    tf: Tf | undefined,
    inputSize: number,
    private readonly options: MlpOptions,
    private readonly rng: Rng,
    /** Default: the fastest route on the active tfjs backend (plain JS without tf). */
    products?: MatrixProducts,
  ) {
    this.products = products ?? (tf ? selectMatrixProducts(tf) : jsMatrixProducts);
    this.sizes = [inputSize, ...options.hiddenLayers, 1];
    for (let l = 0; l + 1 < this.sizes.length; l++) {
      const fanIn = this.sizes[l]!;
      const fanOut = this.sizes[l + 1]!;
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      const w = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * bound;
      const b = new Float32Array(fanOut);
      for (let i = 0; i < b.length; i++) b[i] = (2 * rng.uniform() - 1) * bound;
      this.weights.push(w);
      this.biases.push(b);
    }
  }

  /** Layer `l` on `rows` rows of `input`: `input·W + b`, through a ReLU when `relu`. */
  private layer(l: number, input: Float32Array, rows: number, relu: boolean): Float32Array {
    const fanIn = this.sizes[l]!;
    const fanOut = this.sizes[l + 1]!;
    const w = this.weights[l]!;
    const b = this.biases[l]!;
    // The JS route skips zero inputs (the one-hot first layer: a sum of weight rows); oneDNN's
    // dense product of the 30 one-hot columns is faster still.
    const z = this.products.ab(input, w, rows, fanIn, fanOut);
    // Bias and ReLU in one pass (ranking the space runs this over 47M values per predictor).
    for (let r = 0; r < rows; r++) {
      const zr = r * fanOut;
      if (relu) {
        for (let j = 0; j < fanOut; j++) {
          const v = z[zr + j]! + b[j]!;
          z[zr + j] = Math.max(v, 0);
        }
      } else {
        for (let j = 0; j < fanOut; j++) z[zr + j]! += b[j]!;
      }
    }
    return z;
  }

  /** The activations of every layer (`[0]` is the input; the last, the predictions: identity output). */
  private forward(x: Float32Array, rows: number): Float32Array[] {
    const acts = [x];
    const last = this.weights.length - 1;
    for (let l = 0; l <= last; l++) acts.push(this.layer(l, acts[l]!, rows, l < last));
    return acts;
  }

  /**
   * Backpropagation as sklearn's `_backprop`, writing the raw sums into `weightGrads` and
   * `biasGrads` (sklearn's gradients are (these + α·W)/n for weights, these/n for biases):
   * δ_out = ŷ − y; a_{l−1}ᵀ·δ_l and Σ_rows δ_l per layer; δ_{l−1} = δ_l·W_lᵀ ⊙ [a_{l−1} > 0].
   * Returns Σ(ŷ − y)².
   */
  backward(x: Float32Array, y: Float32Array, rows: number, weightGrads: readonly Float32Array[], biasGrads: readonly Float32Array[]): number {
    const acts = this.forward(x, rows);
    const last = this.weights.length - 1;
    const out = acts[last + 1]!;
    let delta: Float32Array = new Float32Array(rows);
    let squared = 0;
    for (let r = 0; r < rows; r++) {
      const e = out[r]! - y[r]!;
      delta[r] = e;
      squared += e * e;
    }
    for (let l = last; l >= 0; l--) {
      const fanIn = this.sizes[l]!;
      const fanOut = this.sizes[l + 1]!;
      const input = acts[l]!;
      weightGrads[l]!.set(this.products.atb(input, delta, rows, fanIn, fanOut));
      const gb = biasGrads[l]!;
      gb.fill(0);
      for (let r = 0; r < rows; r++) for (let j = 0; j < fanOut; j++) gb[j]! += delta[r * fanOut + j]!;
      if (l > 0) {
        const back = this.products.abt(delta, this.weights[l]!, rows, fanOut, fanIn);
        for (let i = 0; i < back.length; i++) if (input[i]! <= 0) back[i] = 0;
        delta = back;
      }
    }
    return squared;
  }

  /** sklearn's loss `½·mean((y−ŷ)²) + ½·α·ΣW²/n` and gradients on `rows` rows of `x` with targets `y`. */
  gradients(x: Float32Array, y: Float32Array, rows: number): MlpGradients {
    const { l2 } = this.options;
    const weights = this.weights.map((w) => new Float32Array(w.length));
    const biases = this.biases.map((b) => new Float32Array(b.length));
    const squared = this.backward(x, y, rows, weights, biases);
    let sumW2 = 0;
    weights.forEach((g, l) => {
      const w = this.weights[l]!;
      for (let i = 0; i < g.length; i++) {
        sumW2 += w[i]! * w[i]!;
        g[i] = (g[i]! + l2 * w[i]!) / rows;
      }
    });
    for (const g of biases) for (let j = 0; j < g.length; j++) g[j]! /= rows;
    return { loss: (0.5 * squared) / rows + (0.5 * l2 * sumW2) / rows, weights, biases };
  }

  /** Fit on rows of `x` (n × d, row-major) and targets `y`. Returns the epochs run. */
  fit(x: Float32Array, y: Float32Array): number {
    const { l2 } = this.options;
    const n = y.length;
    const d = x.length / n;
    const batch = Math.min(this.options.batchSize, n);
    const layers = this.weights.length;
    const params = [...this.weights, ...this.biases];
    const adam = new AdamOptimizer(
      params.map((p) => p.length),
      { learningRate: this.options.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      params.map((_, k) => k < layers),
    );
    // From here on the parameters live in the optimizer's memory.
    params.forEach((p, k) => adam.params[k]!.set(p));
    for (let l = 0; l < layers; l++) {
      this.weights[l] = adam.params[l]!;
      this.biases[l] = adam.params[layers + l]!;
    }
    const weightGrads = adam.grads.slice(0, layers);
    const biasGrads = adam.grads.slice(layers);
    const order = Array.from({ length: n }, (_, i) => i);
    const bx = new Float32Array(batch * d);
    const by = new Float32Array(batch);
    let best = Number.POSITIVE_INFINITY;
    let stale = 0;
    let epoch = 0;
    for (; epoch < this.options.epochs; epoch++) {
      this.rng.shuffle(order);
      let epochLoss = 0;
      for (let start = 0; start < n; start += batch) {
        const rows = Math.min(batch, n - start);
        for (let r = 0; r < rows; r++) {
          const i = order[start + r]!;
          bx.set(x.subarray(i * d, i * d + d), r * d);
          by[r] = y[i]!;
        }
        const squared = this.backward(bx.subarray(0, rows * d), by.subarray(0, rows), rows, weightGrads, biasGrads);
        // The loss of the weights before the step, as sklearn computes it.
        const sumW2 = adam.step(1 / rows, l2);
        epochLoss += ((0.5 * squared) / rows + (0.5 * l2 * sumW2) / rows) * rows;
      }
      epochLoss /= n;
      // sklearn's `_update_no_improvement_count`
      if (epochLoss > best - this.options.tolerance) stale++;
      else stale = 0;
      if (epochLoss < best) best = epochLoss;
      if (stale > this.options.patience) {
        epoch++;
        break;
      }
    }
    return epoch;
  }

  /** Predictions for the rows of `x` (n × d, row-major), `chunk` rows per forward pass. */
  predictRows(x: Float32Array, n: number, chunk = PREDICT_CHUNK_ROWS): Float32Array {
    const d = this.sizes[0]!;
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      const acts = this.forward(x.subarray(start * d, (start + rows) * d), rows);
      out.set(acts[acts.length - 1]!, start);
    }
    return out;
  }

  /** Nothing to release: parameters are plain arrays (kept for callers written for tensors). */
  dispose(): void {}
}
