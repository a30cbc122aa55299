import { z } from '@naslab/core';
import { defineQueryMethod } from '@naslab/search-kit';
import { runLocalSearch } from './local-search.js';

export { runLocalSearch, type LocalSearchOptions } from './local-search.js';

export default defineQueryMethod({
  id: 'local-search',
  description: 'Local search with restarts (White et al. 2021) under a query budget on a tabular benchmark.',
  options: z
    .object({
      queries: z.number().int().positive().max(1_000_000, 'at most 1,000,000 queries').default(200).describe('Query budget'),
      initialSamples: z.number().int().positive().max(100_000, 'at most 100,000 samples').default(10).describe('Random architectures queried before the first descent (NASLib: 10)'),
      allowRepeats: z.boolean().default(false).describe('Query already-queried neighbours again instead of reusing their accuracy'),
    })
    .strict(),
  requires: ['neighbourhood'],
  search: ({ space, budget, rng, options, checkpoint }) => runLocalSearch(space, budget, rng, options, checkpoint),
});
