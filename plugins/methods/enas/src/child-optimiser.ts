/**
 * The shared child's optimiser: TF's `MomentumOptimizer(use_nesterov=True)` of the ENAS code
 * (`get_train_ops`, `optim_algo="momentum"`). The engine's SGD is heavy ball only, so the step
 * lives here: g ← g + wd·w; buf ← m·buf + g; w ← w − lr·(g + m·buf).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import { clipByGlobalNorm, crossEntropy, topKCorrect, type Network, type ParameterInfo } from '@naslab/engine';

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
  /** Global-norm clipping of the gradients, or null for none. */
  readonly gradClip: number | null;
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
        const logits = s.network.run(xs, { training: true, rng }).logits;
        hits = tf.keep(topKCorrect(logits, ys, 1));
        return crossEntropy(logits, ys, s.classes);
      }, variables);
      // parameters the sampled arc did not use get no gradient and no update
      const clipped = clipByGlobalNorm(
        s.trainable.map((p) => grads[p.variable.name]),
        s.gradClip,
      );
      s.trainable.forEach((_, i) => {
        const g = clipped[i];
        if (g) nesterovUpdate(variables[i]!, s.buffers[i]!, g, { lr, momentum: s.momentum, weightDecay: s.weightDecay });
      });
      return tf.stack([value, tf.cast(hits!, 'float32')]);
    });
    const v = out.dataSync();
    out.dispose();
    hits?.dispose();
    return { loss: v[0]!, correct: v[1]! };
  };
}
