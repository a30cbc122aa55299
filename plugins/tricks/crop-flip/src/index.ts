import { definePlugin, z } from '@naslab/core';
import type { TrainingHooks } from '@naslab/engine';
import { cropAndFlip } from './crop-flip.js';

export { cropAndFlip, type CropFlipOptions } from './crop-flip.js';

export default definePlugin({
  kind: 'trick',
  id: 'crop-flip',
  description: "Standard augmentation of DARTS's base protocol: random crop with zero padding and horizontal flip",
  options: z
    .object({
      padding: z.number().int().nonnegative().default(4).describe('Padding before the random crop (DARTS: 4)'),
      flip: z.boolean().default(true).describe('Random horizontal flip'),
      fill: z.number().int().min(0).max(255).default(0).describe('Padding value, 0–255 (torchvision default 0)'),
    })
    .strict(),
  create: ({ options, label }) => {
    const hooks: TrainingHooks = {
      augmentPixels(batch, rng) {
        cropAndFlip(batch.pixels, batch.count, batch.shape, options, rng);
      },
    };
    return { id: label, hooks };
  },
});
