/**
 * `@naslab/engine/backend-cpu`: TensorFlow.js's pure-JavaScript cpu backend, the one
 * implementation (`@naslab/backend-cpu` re-exports this definition; the engine falls back to it).
 * Always available; very slow for training (its conv backprops are element-by-element loops).
 */
import { definePlugin, z, type Backend } from '@naslab/core';

export const CPU_PRIORITY = 10;

export function createCpuBackend(): Backend {
  return {
    name: 'cpu',
    priority: CPU_PRIORITY,
    probe: async () => ({ available: true }),
    activate: async () => {
      const tf = await import('@tensorflow/tfjs');
      if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
      await tf.ready();
    },
  };
}

export default definePlugin({
  kind: 'backend',
  id: 'cpu',
  priority: CPU_PRIORITY,
  description: 'TensorFlow.js pure-JS cpu backend (always available, slow).',
  options: z.object({}).passthrough(),
  create: () => createCpuBackend(),
});
