import { definePlugin, z } from '@naslab/core';
import type { TrainingHooks } from '@naslab/engine';
import { applyPolicyToBatch, CIFAR10_POLICY } from './policy.js';

export * from './policy.js';
export * as imageOps from './ops.js';
export type { PixelImage } from './ops.js';

export default definePlugin({
  kind: 'trick',
  id: 'autoaugment',
  description: 'AutoAugment CIFAR-10 policy (Cubuk et al. 2019) on raw uint8 pixels, with PIL semantics',
  options: z
    .object({
      policy: z.enum(['cifar10']).default('cifar10').describe('Learned policy (only CIFAR-10 is provided)'),
      fill: z.number().int().min(0).max(255).default(128).describe('Value of pixels brought in by shear/translate/rotate'),
      rotateBothWays: z
        .boolean()
        .default(false)
        .describe("Rotate by ±magnitude (DeepVoltaire's later code) instead of +magnitude (the paper's copy)"),
    })
    .strict(),
  create: ({ options, label }) => {
    const applyOptions = { fill: options.fill, rotateBothWays: options.rotateBothWays };
    const hooks: TrainingHooks = {
      augmentPixels(batch, rng) {
        applyPolicyToBatch(batch.pixels, batch.count, batch.shape, rng, CIFAR10_POLICY, applyOptions);
      },
    };
    return { id: label, hooks };
  },
});
