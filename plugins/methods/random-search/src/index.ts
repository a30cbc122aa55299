import { z } from '@naslab/core';
import { defineQueryMethod, runRandomSearch } from '@naslab/search-kit';

export { runRandomSearch } from '@naslab/search-kit';

export default defineQueryMethod({
  id: 'random-search',
  description: 'Random search with a query budget on a tabular benchmark (distinct uniform draws).',
  options: z
    .object({
      queries: z.number().int().positive().max(1_000_000, 'at most 1,000,000 queries').default(200).describe('Query budget'),
      allowRepeats: z.boolean().default(false).describe('Draw with replacement (repeated queries count against the budget)'),
    })
    .strict(),
  search: ({ space, budget, rng, checkpoint }) => runRandomSearch(space, budget, rng, checkpoint),
});
