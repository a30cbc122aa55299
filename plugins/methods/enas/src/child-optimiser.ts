/**
 * The shared child's optimiser: TF's `MomentumOptimizer(use_nesterov=True)` of the ENAS code
 * (`get_train_ops`, `optim_algo="momentum"`). The engine's SGD is heavy ball only, so the step
 * lives here: g ← g + wd·w; buf ← m·buf + g; w ← w − lr·(g + m·buf).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import { crossEntropy, topKCorrect, type Network, type ParameterInfo } from '@naslab/engine';

/**
 * How the child's gradients are clipped (`get_train_ops` in ENAS's `utils.py`): `norm` clips each
 * gradient tensor by its own L2 norm (`tf.clip_by_norm`, the `clip_mode="norm"` that `main.py`
 * passes the micro child), `global` all of them by their joint norm (`tf.clip_by_global_norm`),
 * `none` leaves them (what the released code applies: its `norm` branch appends the unclipped one).
 */
export type ChildGradClipMode = 'norm' | 'global' | 'none';

/**
 * Clip the present gradients by `bound` (call inside `tf.tidy`); absent ones (parameters the
 * sampled arc did not use) stay absent. As TF: g·bound / max(‖g‖, bound), no epsilon.
 */
export function clipChildGradients(grads: ReadonlyArray<tf.Tensor | undefined>, mode: ChildGradClipMode, bound: number): Array<tf.Tensor | undefined> {
  if (mode === 'none') return [...grads];
  const norm = (g: tf.Tensor) => tf.sqrt(tf.sum(tf.square(g)));
  if (mode === 'norm') return grads.map((g) => (g ? tf.div(tf.mul(g, bound), tf.maximum(norm(g), bound)) : g));
  const present = grads.filter((g): g is tf.Tensor => !!g);
  if (present.length === 0) return [...grads];
  const global = tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g)))));
  const coef = tf.div(bound, tf.maximum(global, bound));
  return grads.map((g) => (g ? tf.mul(g, coef) : g));
}

/** One Nesterov SGD update of `variable` by `grad`, in place (call inside `tf.tidy`). */
export function nesterovUpdate(variable: tf.Variable, buffer: tf.Variable, grad: tf.Tensor, o: { lr: number; momentum: number; weightDecay: number }): void {
  let g = grad;
  if (o.weightDecay) g = tf.add(g, tf.mul(variable, o.weightDecay));
  const next = tf.add(tf.mul(buffer, o.momentum), g);
  buffer.assign(next);
  variable.assign(tf.sub(variable, tf.mul(tf.add(g, tf.mul(next, o.momentum)), o.lr)));
}

export interface NesterovStepSetup {
  readonly network: Network;
  /** Trainable parameters, in the order of `buffers`. */
  readonly trainable: readonly ParameterInfo[];
  readonly buffers: readonly tf.Variable[];
  readonly classes: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** How the gradients (of the loss and the L2 term together, as TF's) are clipped, and by what bound. */
  readonly gradClip: ChildGradClipMode;
  readonly gradBound: number;
  /** Weight of the loss of the network's `auxHead` output, where it gives one (the code: 0.4). */
  readonly aux?: { readonly head: string; readonly weight: number };
  readonly inputShape: readonly [number, number, number];
}

/** One training step of the child on a normalised batch; returns the batch's mean loss and top-1 hits. */
export function createNesterovStep(s: NesterovStepSetup) {
  const [h, w, c] = s.inputShape;
  const variables = s.trainable.map((p) => p.variable);
  return (x: Float32Array, labels: Int32Array, n: number, lr: number, rng?: Rng): { loss: number; correct: number } => {
    let hits: tf.Scalar | undefined;
    const out = tf.tidy(() => {
      const xs = tf.tensor4d(x, [n, h, w, c]);
      const ys = tf.tensor1d(labels, 'int32');
      const { value, grads } = tf.variableGrads(() => {
        const { logits, heads } = s.network.run(xs, { training: true, rng });
        hits = tf.keep(topKCorrect(logits, ys, 1));
        const loss = crossEntropy(logits, ys, s.classes);
        const aux = s.aux ? heads?.[s.aux.head] : undefined;
        return aux ? tf.add(loss, tf.mul(crossEntropy(aux as tf.Tensor2D, ys, s.classes), s.aux!.weight)) : loss;
      }, variables);
      // Parameters the sampled arc did not use get no gradient and no update. The code adds the
      // L2 term to the loss before `tf.gradients`, so the clip sees the decayed gradient.
      const decayed = s.trainable.map((p, i) => {
        const g = grads[p.variable.name];
        return g && s.weightDecay ? tf.add(g, tf.mul(variables[i]!, s.weightDecay)) : g;
      });
      const clipped = clipChildGradients(decayed, s.gradClip, s.gradBound);
      s.trainable.forEach((_, i) => {
        const g = clipped[i];
        if (g) nesterovUpdate(variables[i]!, s.buffers[i]!, g, { lr, momentum: s.momentum, weightDecay: 0 });
      });
      return tf.stack([value, tf.cast(hits!, 'float32')]);
    });
    const v = out.dataSync();
    out.dispose();
    hits?.dispose();
    return { loss: v[0]!, correct: v[1]! };
  };
}
