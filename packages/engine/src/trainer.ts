/**
 * `@naslab/engine/trainer`: the engine's train-from-scratch as a `trainer` plugin. It owns the
 * protocol knobs (`protocol`: epochs, batch size, learning rate, channels, cells, clipping, …),
 * names the trick hooks it calls, and trains spaces that are `trainable`. TensorFlow.js is
 * imported only when the trainer is created.
 */
import { definePlugin, z, type Trainer } from '@naslab/core';
import { TRAINING_HOOKS } from './hooks.js';
import { engineProtocolSchema, type EngineProtocol } from './protocol.js';

export default definePlugin({
  kind: 'trainer',
  id: 'engine',
  description: 'Train from scratch on TensorFlow.js (DARTS evaluation loop: SGD, cosine, clipping, checkpoints).',
  options: z
    .object({
      evalBatchSize: z.number().int().positive().optional().describe('Batch size of test evaluation (default: the protocol’s)'),
      backendPreference: z.enum(['auto', 'ordered']).default('auto').describe('auto: allowed backends by priority; ordered: as listed'),
    })
    .strict(),
  protocol: engineProtocolSchema,
  hooks: TRAINING_HOOKS,
  requires: ['trainable'],
  create: async ({ options }): Promise<Trainer<EngineProtocol>> => {
    const { trainFromScratch } = await import('./train.js');
    return { trainFromScratch: (ctx) => trainFromScratch(ctx, options) };
  },
});
