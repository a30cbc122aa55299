import { definePlugin, z } from '@naslab/core';

export * from './cell.js';
export * from './encodings.js';
export { codeAtOfficialIndex, officialIndexOfCode } from './official-index.js';
export { NasBench201Space, reachesOutput } from './space.js';

/** The network assembly (imports TensorFlow.js and the engine: loaded on demand). */
export function loadNasBench201Network(): Promise<typeof import('./network.js')> {
  return import('./network.js');
}

export default definePlugin({
  kind: 'space',
  id: 'nas-bench-201',
  description: 'The NAS-Bench-201 cell: 4 nodes, 6 edges, 5 operations (15,625 architectures).',
  options: z.object({}).strict(),
  capabilities: ['enumerable', 'mutable', 'neighbourhood', 'encodable', 'trainable', 'cost'],
  // With network assembly (a `TrainableSpace` for the engine): TensorFlow.js is loaded here, at
  // job time, never when a manifest is validated.
  create: async () => {
    const { TrainableNasBench201Space } = await loadNasBench201Network();
    return new TrainableNasBench201Space();
  },
});
