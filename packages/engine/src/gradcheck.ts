import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import type { ForwardContext, Module } from './module.js';

export interface GradientCheckResult {
  /** Largest |numeric − analytic| / (1 + |analytic|) over the probed coordinates. */
  readonly worstError: number;
  readonly probes: number;
  /** Error of each probe, in probe order. */
  readonly errors: readonly number[];
}

/**
 * Compare autograd with central finite differences for `probes` random coordinates of the
 * input and of each op's first trainable parameter, on the loss Σ(op(x)·r) with random r.
 * Default ε = 3e-3: small enough to rarely straddle a ReLU kink, large enough for float32
 * rounding of the summed loss; expect errors below ~2e-2.
 */
export function checkGradients(
  module: Module,
  inputShape: number[],
  rng: Rng,
  options: { eps?: number; probes?: number; ctx?: ForwardContext } = {},
): GradientCheckResult {
  const eps = options.eps ?? 3e-3;
  const probes = options.probes ?? 6;
  const ctx = options.ctx ?? { training: true };
  const random = (shape: number[]) =>
    tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
  const x = random(inputShape);
  const outShape = tf.tidy(() => module.forward(x, ctx).shape);
  const r = random(outShape);
  const objective = (xx: tf.Tensor) => tf.sum(tf.mul(module.forward(xx, ctx), r)) as tf.Scalar;
  const loss = (xx: tf.Tensor) => tf.tidy(() => objective(xx).dataSync()[0]!);
  const errors: number[] = [];
  const record = (ana: number, num: number) => errors.push(Math.abs(ana - num) / (1 + Math.abs(ana)));
  const gx = tf.tidy(() => tf.grad(objective)(x));
  const gxv = gx.dataSync();
  const xv = x.dataSync();
  for (let k = 0; k < probes; k++) {
    const i = rng.int(xv.length);
    const shifted = (delta: number) => {
      const v = xv.slice();
      v[i] += delta;
      return tf.tensor(v, x.shape);
    };
    const xp = shifted(eps);
    const xm = shifted(-eps);
    record(gxv[i]!, (loss(xp) - loss(xm)) / (2 * eps));
    tf.dispose([xp, xm]);
  }
  const p = module.parameters().find((q) => q.trainable);
  if (p) {
    const gp = tf.tidy(() => tf.variableGrads(() => objective(x), [p.variable]).grads[p.variable.name]!);
    const gpv = gp.dataSync();
    const original = p.variable.dataSync().slice();
    const set = (i: number, delta: number) => {
      const v = original.slice();
      v[i] += delta;
      tf.tidy(() => p.variable.assign(tf.tensor(v, p.variable.shape)));
    };
    for (let k = 0; k < probes; k++) {
      const i = rng.int(original.length);
      set(i, eps);
      const lp = loss(x);
      set(i, -eps);
      const lm = loss(x);
      set(i, 0);
      record(gpv[i]!, (lp - lm) / (2 * eps));
    }
    gp.dispose();
  }
  tf.dispose([x, r, gx]);
  return { worstError: Math.max(0, ...errors), probes: errors.length, errors };
}
