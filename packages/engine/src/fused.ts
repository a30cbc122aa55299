/**
 * Fused training kernels a backend MAY provide (the `libtorch` backend does). When the active
 * backend registers them, `BatchNorm` (training mode) and `ReLU` use them; on every other backend
 * the layers keep their plain tfjs maths, unchanged. Same maths, fewer passes and intermediates:
 * batch norm through tf.moments + broadcasting and its autograd costs ~10 full-size tensors per
 * layer and step, the fused pair two.
 *
 * Contract (float32, normalisation over every axis but the last):
 * - `NaslabBatchNormTraining` {x, scale, offset}, attr varianceEpsilon →
 *   [y = (x − mean)·rsqrt(variance + ε)·scale + offset, mean, variance (biased)];
 * - `NaslabBatchNormTrainingGrad` {dy, x, mean, variance, scale}, attr varianceEpsilon →
 *   [dx, dscale, doffset], dx including the batch statistics' own gradients;
 * - `NaslabReluGrad` {dy, y} with y = relu(x) → dy where y > 0, else 0.
 */
import * as tf from '@tensorflow/tfjs';

export const FUSED_BATCH_NORM_TRAINING = 'NaslabBatchNormTraining';
export const FUSED_BATCH_NORM_TRAINING_GRAD = 'NaslabBatchNormTrainingGrad';
export const FUSED_RELU_GRAD = 'NaslabReluGrad';

/** Whether the active tfjs backend registers kernel `name`. */
export function backendHasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}

// The gradient belongs to the engine (the contract above), the kernels to the backend.
// The mean and variance outputs feed only the running statistics, never the loss: their
// gradients (zeros) are ignored.
tf.registerGradient({
  kernelName: FUSED_BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, scale, mean, variance] = saved as tf.Tensor[];
    const dy = Array.isArray(dys) ? dys[0]! : dys;
    // Computed here, not inside the per-input closures: tfjs runs each closure in its own tidy.
    const [dx, dscale, doffset] = tf.engine().runKernel(
      FUSED_BATCH_NORM_TRAINING_GRAD,
      { dy, x: x!, mean: mean!, variance: variance!, scale: scale! },
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
    return { x: () => dx!, scale: () => dscale!, offset: () => doffset! };
  },
});

/**
 * Training-mode batch norm through the backend's fused kernel: {y, mean, variance (biased)}.
 * `undefined` when the active backend has no such kernel.
 */
export function fusedBatchNormTraining(
  x: tf.Tensor,
  scale: tf.Tensor,
  offset: tf.Tensor,
  eps: number,
): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } | undefined {
  if (!backendHasKernel(FUSED_BATCH_NORM_TRAINING) || !backendHasKernel(FUSED_BATCH_NORM_TRAINING_GRAD)) return undefined;
  const [y, mean, variance] = tf.engine().runKernel(FUSED_BATCH_NORM_TRAINING, { x, scale, offset }, { varianceEpsilon: eps }) as tf.Tensor[];
  return { y: y!, mean: mean!, variance: variance! };
}

const reluWithFusedGrad = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const y = tf.relu(x);
  save([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.engine().runKernel(FUSED_RELU_GRAD, { dy, y: saved! }) as tf.Tensor,
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** tf.relu, whose gradient is one fused kernel (instead of step + multiply) where the backend has it. */
export function relu<T extends tf.Tensor>(x: T): T {
  return (backendHasKernel(FUSED_RELU_GRAD) ? reluWithFusedGrad(x) : tf.relu(x)) as T;
}
