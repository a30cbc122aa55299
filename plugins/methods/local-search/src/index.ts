import { definePlugin, PLUGIN_API_VERSION, z } from '@naslab/core';
import { budgetFor } from '@naslab/method-random-search';
import { hasNeighbourhood, runLocalSearch } from './local-search.js';

export { runLocalSearch, hasNeighbourhood, type NeighbourhoodSpace, type LocalSearchOptions } from './local-search.js';

export default definePlugin({
  kind: 'method',
  id: 'local-search',
  apiVersion: PLUGIN_API_VERSION,
  description: 'Local search with restarts (White et al. 2021) under a query budget on a tabular benchmark.',
  options: z
    .object({
      queries: z.number().int().positive().default(200).describe('Query budget'),
      initialSamples: z.number().int().positive().default(10).describe('Random architectures queried before the first descent (NASLib: 10)'),
      allowRepeats: z.boolean().default(false).describe('Query already-queried neighbours again instead of reusing their accuracy'),
    })
    .strict(),
  outputs: () => 1,
  needsBenchmark: true,
  create: ({ options }) => ({
    async search(ctx) {
      if (!hasNeighbourhood(ctx.space)) throw new Error(`local-search needs a space with neighbours(arch); "${ctx.space.id}" has none`);
      const budget = budgetFor(ctx, options.queries, options.allowRepeats, 'local-search');
      const stopReason = await runLocalSearch(ctx.space, budget, ctx.rng.split('local-search'), options);
      const best = budget.best;
      if (!best) throw new Error('local-search queried nothing (empty space?)');
      return { architectures: [best.arch], cost: { queries: budget.used }, history: budget.history(stopReason) };
    },
  }),
});
