/**
 * RMSProp with momentum as TensorFlow 1.x's `tf.train.RMSPropOptimizer` (the reference's
 * `nas_utils.build_optimizer`: decay 0.9, momentum 0.9, ε 1e-3), whose mean-square slot starts
 * at ones:
 *   ms ← decay · ms + (1 − decay) · g²;  mom ← momentum · mom + lr · g / √(ms + ε);  w ← w − mom
 */
import * as tf from '@tensorflow/tfjs';
import { uniqueVariable, type NamedTensors, type ParameterInfo } from '@naslab/engine';

export interface RmsPropSettings {
  readonly decay: number;
  readonly momentum: number;
  readonly epsilon: number;
}

export const REFERENCE_RMSPROP: RmsPropSettings = { decay: 0.9, momentum: 0.9, epsilon: 1e-3 };

export class RmsProp {
  private readonly ms = new Map<string, tf.Variable>();
  private readonly mom = new Map<string, tf.Variable>();

  constructor(
    readonly params: readonly ParameterInfo[],
    readonly settings: RmsPropSettings = REFERENCE_RMSPROP,
  ) {
    for (const p of params) {
      this.ms.set(p.path, uniqueVariable(tf.onesLike(p.variable), false, 'rmsprop_ms'));
      this.mom.set(p.path, uniqueVariable(tf.zerosLike(p.variable), false, 'rmsprop_mom'));
    }
  }

  /** One update with `grads` by variable name; parameters without a gradient are left alone. */
  step(grads: Record<string, tf.Tensor | undefined>, lr: number): void {
    const { decay, momentum, epsilon } = this.settings;
    tf.tidy(() => {
      for (const p of this.params) {
        const g = grads[p.variable.name];
        if (!g) continue;
        const ms = this.ms.get(p.path)!;
        const mom = this.mom.get(p.path)!;
        const nextMs = tf.add(tf.mul(ms, decay), tf.mul(tf.square(g), 1 - decay));
        const nextMom = tf.add(tf.mul(mom, momentum), tf.div(tf.mul(g, lr), tf.sqrt(tf.add(nextMs, epsilon))));
        ms.assign(nextMs);
        mom.assign(nextMom);
        p.variable.assign(tf.sub(p.variable, nextMom));
      }
    });
  }

  async state(): Promise<NamedTensors> {
    const out: NamedTensors = [];
    for (const [prefix, slots] of [['rmsprop-ms:', this.ms], ['rmsprop-mom:', this.mom]] as const) {
      for (const [path, v] of slots) out.push({ name: prefix + path, shape: v.shape, values: (await v.data()) as Float32Array });
    }
    return out;
  }

  restore(get: (name: string) => Float32Array | undefined): void {
    tf.tidy(() => {
      for (const [prefix, slots] of [['rmsprop-ms:', this.ms], ['rmsprop-mom:', this.mom]] as const) {
        for (const [path, v] of slots) {
          const values = get(prefix + path);
          if (!values || values.length !== v.size) throw new Error(`checkpoint lacks RMSProp state ${prefix}${path}`);
          v.assign(tf.tensor(values, v.shape, 'float32'));
        }
      }
    });
  }

  dispose(): void {
    for (const v of [...this.ms.values(), ...this.mom.values()]) v.dispose();
  }
}
