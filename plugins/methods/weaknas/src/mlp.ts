import type { Rng } from '@naslab/core';

type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;
type Variable = import('@tensorflow/tfjs').Variable;

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

/**
 * A ReLU MLP regressor trained like scikit-learn's `MLPRegressor` (what WeakNAS uses): Glorot
 * uniform initialisation of weights and biases, Adam, squared loss `½·mean((y−ŷ)²)` plus
 * `½·alpha·ΣW²/n`, shuffled mini-batches of min(200, n), early stop on a training-loss plateau.
 * Weights are drawn from core's Rng, so a seed fixes the predictor.
 */
export class MlpRegressor {
  private readonly weights: Variable[] = [];
  private readonly biases: Variable[] = [];

  constructor(
    private readonly tf: Tf,
    inputSize: number,
    private readonly options: MlpOptions,
    private readonly rng: Rng,
  ) {
    const sizes = [inputSize, ...options.hiddenLayers, 1];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      const w = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * bound;
      const b = new Float32Array(fanOut);
      for (let i = 0; i < b.length; i++) b[i] = (2 * rng.uniform() - 1) * bound;
      this.weights.push(tf.variable(tf.tensor2d(w, [fanIn, fanOut]), true));
      this.biases.push(tf.variable(tf.tensor1d(b), true));
    }
  }

  private forward(x: Tensor): Tensor {
    const tf = this.tf;
    let h = x;
    const last = this.weights.length - 1;
    for (let l = 0; l <= last; l++) {
      h = tf.add(tf.matMul(h as import('@tensorflow/tfjs').Tensor2D, this.weights[l]! as unknown as import('@tensorflow/tfjs').Tensor2D), this.biases[l]!);
      if (l < last) h = tf.relu(h);
    }
    return tf.reshape(h, [-1]);
  }

  /** Fit on rows of `x` (n × d, row-major) and targets `y`. Returns the epochs run. */
  fit(x: Float32Array, y: Float32Array): number {
    const tf = this.tf;
    const n = y.length;
    const d = x.length / n;
    const batch = Math.min(this.options.batchSize, n);
    const optimizer = tf.train.adam(this.options.learningRate, 0.9, 0.999, 1e-8);
    const xs = tf.tensor2d(x, [n, d]);
    const ys = tf.tensor1d(y);
    const vars = [...this.weights, ...this.biases];
    const order = Array.from({ length: n }, (_, i) => i);
    let best = Number.POSITIVE_INFINITY;
    let stale = 0;
    let epoch = 0;
    try {
      for (; epoch < this.options.epochs; epoch++) {
        this.rng.shuffle(order);
        let epochLoss = 0;
        for (let start = 0; start < n; start += batch) {
          const idx = order.slice(start, start + batch);
          const cost: import('@tensorflow/tfjs').Scalar = tf.tidy(() => {
            const ix = tf.tensor1d(idx, 'int32');
            const bx = batch === n && start === 0 ? xs : tf.gather(xs, ix);
            const by = batch === n && start === 0 ? ys : tf.gather(ys, ix);
            return optimizer.minimize(() => {
              const err = tf.sub(this.forward(bx), by);
              const data = tf.mul(0.5, tf.mean(tf.square(err)));
              const penalty = tf.mul(0.5 * this.options.l2 / idx.length, tf.addN(this.weights.map((w) => tf.sum(tf.square(w)))));
              return tf.add(data, penalty) as import('@tensorflow/tfjs').Scalar;
            }, true, vars)!;
          });
          epochLoss += cost.dataSync()[0]! * idx.length;
          cost.dispose();
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
    } finally {
      xs.dispose();
      ys.dispose();
      optimizer.dispose();
    }
    return epoch;
  }

  /** Predictions for rows of a (n × d) tensor (tfjs forward pass). */
  predict(x: import('@tensorflow/tfjs').Tensor2D): Float32Array {
    const out = this.tf.tidy(() => this.forward(x));
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  /** Predictions for the rows of a (n × d) tensor, `chunk` rows per forward pass (bounds the activations' memory). */
  predictInChunks(x: import('@tensorflow/tfjs').Tensor2D, chunk = 4096): Float32Array {
    const [n, d] = x.shape;
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      const part = this.tf.tidy(() => this.forward(this.tf.slice(x, [start, 0], [rows, d])));
      out.set(part.dataSync() as Float32Array, start);
      part.dispose();
    }
    return out;
  }

  /**
   * Predictions for the rows of `x` (n × d, row-major), computed in plain JS from the trained
   * weights, skipping zero inputs. Ranking a whole space is one large product per layer, which
   * the pure-JS tfjs backend runs far slower than this loop (seconds per call for NB201 on this
   * machine) while the features are mostly zeros (one-hot: 6 of 30).
   */
  predictRows(x: Float32Array, n: number): Float32Array {
    const ws = this.weights.map((w) => w.dataSync() as Float32Array);
    const bs = this.biases.map((b) => b.dataSync() as Float32Array);
    const sizes = [x.length / n, ...this.options.hiddenLayers, 1];
    const out = new Float32Array(n);
    const widest = Math.max(...sizes);
    let input = new Float32Array(widest);
    let output = new Float32Array(widest);
    for (let r = 0; r < n; r++) {
      input.set(x.subarray(r * sizes[0]!, (r + 1) * sizes[0]!));
      for (let l = 0; l < ws.length; l++) {
        const fanIn = sizes[l]!;
        const fanOut = sizes[l + 1]!;
        const w = ws[l]!;
        output.set(bs[l]!);
        for (let i = 0; i < fanIn; i++) {
          const v = input[i]!;
          if (v === 0) continue;
          const row = i * fanOut;
          for (let j = 0; j < fanOut; j++) output[j]! += v * w[row + j]!;
        }
        if (l < ws.length - 1) for (let j = 0; j < fanOut; j++) if (output[j]! < 0) output[j] = 0;
        const t = input;
        input = output;
        output = t;
      }
      out[r] = input[0]!;
    }
    return out;
  }

  dispose(): void {
    for (const v of [...this.weights, ...this.biases]) v.dispose();
  }
}
