import { definePlugin, z } from '@naslab/core';
import type { TrainingHooks } from '@naslab/engine';
import { cutoutMask } from './cutout.js';

export { applyCutout, cutoutMask, drawHole, type CutoutOptions, type Hole } from './cutout.js';

export default definePlugin({
  kind: 'trick',
  id: 'cutout',
  description: 'Cutout (DeVries & Taylor 2017) as in DARTS: square holes set to 0 after normalisation',
  options: z
    .object({
      length: z.number().int().positive().default(16).describe('Side of each square hole, in pixels'),
      holes: z.number().int().positive().default(1).describe('Holes per image'),
    })
    .strict(),
  create: async ({ options, label }) => {
    // tfjs is loaded only when a job actually trains with this trick.
    const tf = await import('@tensorflow/tfjs');
    const hooks: TrainingHooks = {
      augmentBatch(x, rng) {
        const [n, h, w] = x.shape;
        const mask = tf.tensor4d(cutoutMask(n, h, w, options, rng), [n, h, w, 1]);
        return tf.mul(x, mask) as typeof x;
      },
    };
    return { id: label, hooks };
  },
});
