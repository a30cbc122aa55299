import { definePlugin, z } from '@naslab/core';

/** A backend of another package: `backend: auto` must find it and, by its priority, pick it. */
export default definePlugin({
  kind: 'backend',
  id: 'fast',
  priority: 1000,
  options: z.object({}).passthrough(),
  create: () => ({
    name: 'fast',
    probe: async () => ({ available: true }),
    activate: async () => {
      const tf = await import('@tensorflow/tfjs');
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed');
    },
  }),
});
