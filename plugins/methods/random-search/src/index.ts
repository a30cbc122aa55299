import { definePlugin, PLUGIN_API_VERSION, z } from '@naslab/core';
import { budgetFor } from './query-budget.js';
import { runRandomSearch } from './random-search.js';

export * from './query-budget.js';
export { UnseenSampler } from './unseen-sampler.js';
export { runRandomSearch } from './random-search.js';

export default definePlugin({
  kind: 'method',
  id: 'random-search',
  apiVersion: PLUGIN_API_VERSION,
  description: 'Random search with a query budget on a tabular benchmark (distinct uniform draws).',
  options: z
    .object({
      queries: z.number().int().positive().default(200).describe('Query budget'),
      allowRepeats: z.boolean().default(false).describe('Draw with replacement (repeated queries count against the budget)'),
    })
    .strict(),
  outputs: () => 1,
  needsBenchmark: true,
  create: ({ options }) => ({
    async search(ctx) {
      const budget = budgetFor(ctx, options.queries, options.allowRepeats, 'random-search');
      const stopReason = await runRandomSearch(ctx.space, budget, ctx.rng.split('random-search'));
      const best = budget.best;
      if (!best) throw new Error('random-search queried nothing (empty space?)');
      return { architectures: [best.arch], cost: { queries: budget.used }, history: budget.history(stopReason) };
    },
  }),
});
