import { definePlugin, PLUGIN_API_VERSION, z } from '@naslab/core';
import { NasBench201Space } from './space.js';

export * from './cell.js';
export * from './encodings.js';
export { codeAtOfficialIndex, officialIndexOfCode } from './official-index.js';
export { NasBench201Space, reachesOutput } from './space.js';

export default definePlugin({
  kind: 'space',
  id: 'nas-bench-201',
  apiVersion: PLUGIN_API_VERSION,
  description: 'The NAS-Bench-201 cell: 4 nodes, 6 edges, 5 operations (15,625 architectures).',
  options: z.object({}).strict(),
  create: () => new NasBench201Space(),
});
