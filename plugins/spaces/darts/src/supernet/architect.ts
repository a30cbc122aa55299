/**
 * The architecture gradient of DARTS (quark0/darts `cnn/architect.py`).
 *
 * - order 1: ∇_α L_val(w, α).
 * - order 2 (unrolled): ∇_α L_val(w', α) − ξ·∇²_{α,w} L_train(w, α)·∇_{w'} L_val(w', α) with
 *   w' = w − ξ(momentum·buf + ∇_w L_train(w, α) + wd·w), the next SGD step (ξ = the current
 *   weight learning rate); the Hessian-vector product by central differences,
 *   (∇_α L_train(w⁺, α) − ∇_α L_train(w⁻, α)) / 2ε with w± = w ± ε·∇_{w'} L_val and
 *   ε = 0.01 / ‖∇_{w'} L_val‖.
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, type ParameterInfo } from '@naslab/engine';
import type { SgdMomentum } from '@naslab/engine';
import type { DartsSupernet } from './model.js';

export interface TensorBatch {
  readonly x: tf.Tensor4D;
  readonly y: tf.Tensor1D;
}

export interface UnrollSettings {
  /** ξ: the weight learning rate of this step. */
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** The weight optimiser, whose momentum buffers enter w' (zeros when absent). */
  readonly sgd?: SgdMomentum;
  /** r of `_hessian_vector_product` (ε = r / ‖v‖); DARTS: 0.01. */
  readonly hvpRadius?: number;
}

/** What the architect needs of a supernet (the DARTS one, or another space's built alike). */
export type ArchitectNet = Pick<DartsSupernet, 'run' | 'parameters'>;

function loss(net: ArchitectNet, b: TensorBatch, classes: number): tf.Scalar {
  return crossEntropy(net.run(b.x, { training: true }).logits, b.y, classes);
}

/** ∇_α L(batch) for the given α variables (first order). */
export function firstOrderArchGradient(
  net: ArchitectNet,
  valid: TensorBatch,
  classes: number,
  alphas: readonly ParameterInfo[],
): Record<string, tf.Tensor> {
  const { value, grads } = tf.variableGrads(() => loss(net, valid, classes), alphas.map((a) => a.variable));
  value.dispose();
  return grads;
}

function runningStats(net: ArchitectNet): ParameterInfo[] {
  return net.parameters().filter((p) => !p.trainable);
}

/**
 * The unrolled (second-order) architecture gradient. Leaves the weights and the BN running
 * statistics as the reference leaves its model: the forward passes on the train batch (at w,
 * w⁺, w⁻) update the running statistics, the one at w' (a separate model there) does not.
 */
export function secondOrderArchGradient(
  net: ArchitectNet,
  train: TensorBatch,
  valid: TensorBatch,
  classes: number,
  alphas: readonly ParameterInfo[],
  weights: readonly ParameterInfo[],
  s: UnrollSettings,
): Record<string, tf.Tensor> {
  const wVars = weights.map((p) => p.variable);
  const aVars = alphas.map((p) => p.variable);
  const original = wVars.map((v) => tf.clone(v));
  const assignAll = (f: (i: number) => tf.Tensor) =>
    tf.tidy(() => {
      wVars.forEach((v, i) => v.assign(f(i)));
    });
  try {
    // w' = w − ξ(momentum·buf + ∇_w L_train + wd·w)
    const gTrain = tf.variableGrads(() => loss(net, train, classes), wVars);
    gTrain.value.dispose();
    assignAll((i) => {
      const v = wVars[i]!;
      let d: tf.Tensor = gTrain.grads[v.name] ?? tf.zerosLike(v);
      if (s.weightDecay) d = tf.add(d, tf.mul(original[i]!, s.weightDecay));
      const buf = s.sgd?.buffers.get(weights[i]!.path);
      if (buf && s.momentum) d = tf.add(d, tf.mul(buf, s.momentum));
      return tf.sub(original[i]!, tf.mul(d, s.lr));
    });
    tf.dispose(gTrain.grads);

    // L_val(w', α): ∇_α (direct term) and ∇_{w'} (the vector of the Hessian-vector product)
    const stats = runningStats(net);
    const savedStats = stats.map((p) => tf.clone(p.variable));
    const gVal = tf.variableGrads(() => loss(net, valid, classes), [...wVars, ...aVars]);
    gVal.value.dispose();
    tf.tidy(() => stats.forEach((p, i) => p.variable.assign(savedStats[i]!)));
    tf.dispose(savedStats);
    const vector = wVars.map((v) => gVal.grads[v.name] ?? tf.zerosLike(v));

    const r = s.hvpRadius ?? 1e-2;
    const norm = tf.tidy(() => tf.sqrt(tf.addN(vector.map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
    const eps = r / norm;
    const gradAt = (sign: 1 | -1) => {
      assignAll((i) => tf.add(original[i]!, tf.mul(vector[i]!, sign * eps)));
      const g = tf.variableGrads(() => loss(net, train, classes), aVars);
      g.value.dispose();
      return g.grads;
    };
    const gPlus = gradAt(1);
    const gMinus = gradAt(-1);
    assignAll((i) => original[i]!);

    const out: Record<string, tf.Tensor> = {};
    tf.tidy(() => {
      for (const a of aVars) {
        const direct = gVal.grads[a.name] ?? tf.zerosLike(a);
        const implicit = tf.div(tf.sub(gPlus[a.name] ?? tf.zerosLike(a), gMinus[a.name] ?? tf.zerosLike(a)), 2 * eps);
        out[a.name] = tf.keep(tf.sub(direct, tf.mul(implicit, s.lr)));
      }
    });
    tf.dispose([gVal.grads, gPlus, gMinus, vector]);
    return out;
  } finally {
    tf.dispose(original);
  }
}
