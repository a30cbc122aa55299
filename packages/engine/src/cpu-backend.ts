/**
 * `@naslab/engine/backend-cpu`: TensorFlow.js's pure-JavaScript cpu backend, the one
 * implementation (`@naslab/backend-cpu` re-exports this definition; the engine falls back to it).
 * Always available; very slow for training (its conv backprops are element-by-element loops).
 */
import { definePlugin, z, type Backend, type BackendSpeed } from '@naslab/core';

export const CPU_PRIORITY = 10;

/** bench/train-throughput: 0.05 img/s on the DARTS network, 0.1 % of PyTorch's. */
export const CPU_SPEED: BackendSpeed = { vsPyTorch: [0.001, 0.001], measured: 'bench/train-throughput (DARTS network, 1 thread, batch 8)' };

export function createCpuBackend(): Backend {
  return {
    name: 'cpu',
    priority: CPU_PRIORITY,
    speed: CPU_SPEED,
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
  speed: CPU_SPEED,
  description: 'TensorFlow.js pure-JS cpu backend (always available, slow).',
  options: z.object({}).passthrough(),
  create: () => createCpuBackend(),
});
