export interface AdamSettings {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** scikit-learn's defaults (`MLPRegressor(solver='adam')`). */
export const SKLEARN_ADAM: AdamSettings = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/**
 * scikit-learn's `AdamOptimizer` (sklearn/neural_network/_stochastic_optimizers.py) on
 * Float32Arrays updated in place: per step t, m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * p ← p − lr_t·m / (√v + ε) with lr_t = lr·√(1−β2^t) / (1−β1^t) (ε added to √v, not to a
 * bias-corrected √v̂ as tf.train.adam does).
 */
export class AdamOptimizer {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  /** Steps taken (sklearn `t`). */
  steps = 0;

  constructor(
    sizes: readonly number[],
    readonly settings: AdamSettings = SKLEARN_ADAM,
  ) {
    this.m = sizes.map((s) => new Float32Array(s));
    this.v = sizes.map((s) => new Float32Array(s));
  }

  step(params: readonly Float32Array[], grads: readonly Float32Array[]): void {
    const { learningRate, beta1, beta2, epsilon } = this.settings;
    this.steps++;
    const lrT = (learningRate * Math.sqrt(1 - beta2 ** this.steps)) / (1 - beta1 ** this.steps);
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    for (let k = 0; k < params.length; k++) {
      const p = params[k]!;
      const g = grads[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        const mi = beta1 * m[i]! + c1 * gi;
        const vi = beta2 * v[i]! + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i]! -= (lrT * mi) / (Math.sqrt(vi) + epsilon);
      }
    }
  }
}
