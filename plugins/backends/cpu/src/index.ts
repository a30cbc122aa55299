/**
 * `@naslab/backend-cpu`: TensorFlow.js's pure-JavaScript cpu backend. Always available; very
 * slow for training (its conv backprops are element-by-element loops): the last resort.
 */
import { definePlugin, PLUGIN_API_VERSION, z, type Backend } from '@naslab/core';

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
  apiVersion: PLUGIN_API_VERSION,
  description: 'TensorFlow.js pure-JS cpu backend (always available, slow).',
  options: z.object({}).passthrough(),
  create: () => createCpuBackend(),
});
