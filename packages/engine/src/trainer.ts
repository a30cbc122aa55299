/**
 * `@naslab/engine/trainer`: the engine's train-from-scratch as a `trainer` plugin. TensorFlow.js
 * is imported only when the trainer is created.
 */
import { definePlugin, PLUGIN_API_VERSION, z, type Trainer } from '@naslab/core';

export default definePlugin({
  kind: 'trainer',
  id: 'engine',
  apiVersion: PLUGIN_API_VERSION,
  description: 'Train from scratch on TensorFlow.js (DARTS evaluation loop: SGD, cosine, clipping, checkpoints).',
  options: z.object({
    labelSmoothing: z.number().min(0).max(1).default(0),
    evalBatchSize: z.number().int().positive().optional(),
    backendPreference: z.enum(['auto', 'ordered']).default('auto'),
  }),
  create: async ({ options }): Promise<Trainer> => {
    const { trainFromScratch } = await import('./train.js');
    return { trainFromScratch: (ctx) => trainFromScratch(ctx, options) };
  },
});
