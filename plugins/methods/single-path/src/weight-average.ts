/**
 * The exponential moving average of the supernet's variables, as the reference's
 * `tf.train.ExponentialMovingAverage(decay=moving_average_decay, num_updates=global_step)` in
 * `search_main.py`: after every training step, shadow ← shadow − (1 − d) · (shadow − v) with
 * d = min(decay, (1 + n) / (10 + n)) at step count n, over every trainable variable and the
 * BatchNorm running statistics; shadows start at the variables' initial values. The reference
 * evaluates with the averages and trains (and logs its decisions) with the raw variables.
 */
import * as tf from '@tensorflow/tfjs';
import { uniqueVariable, type NamedTensors, type ParameterInfo } from '@naslab/engine';

/** TensorFlow's decay with `num_updates`: small early on, so the average does not stay at the init. */
export function averageDecayAt(decay: number, updates: number): number {
  return Math.min(decay, (1 + updates) / (10 + updates));
}

export class WeightAverage {
  private readonly shadows = new Map<string, tf.Variable>();

  constructor(
    readonly params: readonly ParameterInfo[],
    readonly decay: number,
  ) {
    for (const p of params) this.shadows.set(p.path, uniqueVariable(tf.clone(p.variable), false, 'ema'));
  }

  /** Fold in the variables after the `updates`-th step (1 after the first). */
  update(updates: number): void {
    const d = averageDecayAt(this.decay, updates);
    tf.tidy(() => {
      for (const p of this.params) {
        const s = this.shadows.get(p.path)!;
        s.assign(tf.sub(s, tf.mul(tf.sub(s, p.variable), 1 - d)));
      }
    });
  }

  /** Runs `fn` with the averages in place of the variables, then puts the variables back. */
  async withAverages<T>(fn: () => Promise<T>): Promise<T> {
    const saved = this.params.map((p) => tf.clone(p.variable));
    try {
      for (const p of this.params) p.variable.assign(this.shadows.get(p.path)!);
      return await fn();
    } finally {
      this.params.forEach((p, i) => p.variable.assign(saved[i]!));
      tf.dispose(saved);
    }
  }

  /** The average of one variable (tests). */
  shadowOf(path: string): tf.Variable | undefined {
    return this.shadows.get(path);
  }

  async state(): Promise<NamedTensors> {
    const out: NamedTensors = [];
    for (const [path, v] of this.shadows) out.push({ name: `ema:${path}`, shape: v.shape, values: (await v.data()) as Float32Array });
    return out;
  }

  restore(get: (name: string) => Float32Array | undefined): void {
    tf.tidy(() => {
      for (const [path, v] of this.shadows) {
        const values = get(`ema:${path}`);
        if (!values || values.length !== v.size) throw new Error(`checkpoint lacks the moving average ema:${path}`);
        v.assign(tf.tensor(values, v.shape, 'float32'));
      }
    });
  }

  dispose(): void {
    for (const v of this.shadows.values()) v.dispose();
  }
}
