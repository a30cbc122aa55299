/**
 * The α optimiser of DARTS search, with PyTorch's update rule (quark0/darts uses
 * `torch.optim.Adam` for α; the weights' SGD is the engine's `SgdMomentum`): L2 weight decay added
 * to the gradient (not AdamW), m and v with bias correction,
 * w ← w − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
 */
import * as tf from '@tensorflow/tfjs';
import { uniqueVariable, type NamedTensors, type ParameterInfo } from '@naslab/engine';

export class Adam {
  readonly m: Map<string, tf.Variable> = new Map();
  readonly v: Map<string, tf.Variable> = new Map();
  stepCount = 0;
  constructor(
    readonly params: readonly ParameterInfo[],
    readonly lr: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly weightDecay: number,
    readonly eps = 1e-8,
  ) {
    for (const p of params) {
      this.m.set(p.path, uniqueVariable(tf.zerosLike(p.variable), false, 'adam_m'));
      this.v.set(p.path, uniqueVariable(tf.zerosLike(p.variable), false, 'adam_v'));
    }
  }

  /** One step on the parameters in `only` (default all); those without a gradient are skipped. */
  step(grads: Record<string, tf.Tensor | undefined>): void {
    this.stepCount += 1;
    const bc1 = 1 - this.beta1 ** this.stepCount;
    const bc2 = 1 - this.beta2 ** this.stepCount;
    tf.tidy(() => {
      for (const p of this.params) {
        let g = grads[p.variable.name];
        if (!g) continue;
        if (this.weightDecay) g = tf.add(g, tf.mul(p.variable, this.weightDecay));
        const m = this.m.get(p.path)!;
        const v = this.v.get(p.path)!;
        const mNext = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNext = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(mNext);
        v.assign(vNext);
        const denom = tf.add(tf.div(tf.sqrt(vNext), Math.sqrt(bc2)), this.eps);
        p.variable.assign(tf.sub(p.variable, tf.mul(tf.div(mNext, denom), this.lr / bc1)));
      }
    });
  }

  async state(): Promise<NamedTensors> {
    const out: NamedTensors = [];
    for (const [path, t] of this.m) out.push({ name: `adam.m:${path}`, shape: t.shape, values: (await t.data()) as Float32Array });
    for (const [path, t] of this.v) out.push({ name: `adam.v:${path}`, shape: t.shape, values: (await t.data()) as Float32Array });
    return out;
  }

  restore(get: (name: string) => Float32Array | undefined, stepCount: number): void {
    this.stepCount = stepCount;
    tf.tidy(() => {
      for (const [kind, map] of [
        ['m', this.m],
        ['v', this.v],
      ] as const) {
        for (const [path, t] of map) {
          const v = get(`adam.${kind}:${path}`);
          if (!v || v.length !== t.size) throw new Error(`checkpoint lacks Adam state adam.${kind}:${path}`);
          t.assign(tf.tensor(v, t.shape, 'float32'));
        }
      }
    });
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
