import { definePlugin, PLUGIN_API_VERSION, z } from '@naslab/core';
import { budgetFor } from '@naslab/method-random-search';
import { isMutable, runRegularizedEvolution } from './regularized-evolution.js';

export { runRegularizedEvolution, isMutable, type MutableSpace, type EvolutionOptions } from './regularized-evolution.js';

export default definePlugin({
  kind: 'method',
  id: 'regularized-evolution',
  apiVersion: PLUGIN_API_VERSION,
  description: 'Regularized (aging) evolution, Real et al. 2019, with a query budget on a tabular benchmark.',
  options: z
    .object({
      queries: z.number().int().positive().default(200).describe('Query budget (the initial population included)'),
      populationSize: z.number().int().positive().default(10).describe('P (NB201 paper: 10)'),
      sampleSize: z.number().int().positive().default(3).describe('S, tournament size (NB201 paper: 3)'),
      mutationAttempts: z.number().int().positive().default(100).describe('Re-mutations tried before a random fresh child (no-repeat mode)'),
      allowRepeats: z.boolean().default(false).describe('Let children repeat queried architectures (each repeat costs a query)'),
    })
    .strict(),
  outputs: () => 1,
  needsBenchmark: true,
  create: ({ options }) => ({
    async search(ctx) {
      if (!isMutable(ctx.space)) throw new Error(`regularized-evolution needs a space with mutate(arch, rng); "${ctx.space.id}" has none`);
      const budget = budgetFor(ctx, options.queries, options.allowRepeats, 'regularized-evolution');
      const stopReason = await runRegularizedEvolution(ctx.space, budget, ctx.rng.split('regularized-evolution'), options);
      const best = budget.best;
      if (!best) throw new Error('regularized-evolution queried nothing (empty space?)');
      return { architectures: [best.arch], cost: { queries: budget.used }, history: budget.history(stopReason) };
    },
  }),
});
