import { definePlugin, z } from '@naslab/core';
import type { TrainingHooks } from '@naslab/engine';
import type * as tfTypes from '@tensorflow/tfjs';

export { smoothedCrossEntropy } from './smoothing.js';

export default definePlugin({
  kind: 'trick',
  id: 'label-smoothing',
  description: 'Label-smoothed cross-entropy, ε = 0.1 as CNAS (added as ε·(uniform CE − CE) to the loop loss)',
  options: z
    .object({
      epsilon: z.number().min(0).max(1).default(0.1).describe('Smoothing ε: target = (1 − ε)·one-hot + ε/K'),
    })
    .strict(),
  create: async ({ options, label }) => {
    const tf = await import('@tensorflow/tfjs');
    const eps = options.epsilon;
    const hooks: TrainingHooks = {
      // The loop's loss is plain CE on the main logits; CE + ε·(U − CE) is the smoothed CE.
      extraLoss({ output, labels, classes }) {
        if (eps === 0) return undefined;
        const logp = tf.logSoftmax(output.logits);
        const plain = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, classes).toFloat(), logp), 1)));
        const uniform = tf.neg(tf.mean(tf.mean(logp, 1)));
        return tf.mul(tf.sub(uniform, plain), eps) as tfTypes.Scalar;
      },
    };
    return { id: label, hooks };
  },
});
