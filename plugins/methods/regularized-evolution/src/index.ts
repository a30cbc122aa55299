import { z } from '@naslab/core';
import { defineQueryMethod } from '@naslab/search-kit';
import { runRegularizedEvolution } from './regularized-evolution.js';

export { runRegularizedEvolution, type EvolutionOptions } from './regularized-evolution.js';

export default defineQueryMethod({
  id: 'regularized-evolution',
  description: 'Regularized (aging) evolution, Real et al. 2019, with a query budget on a tabular benchmark.',
  options: z
    .object({
      queries: z.number().int().positive().max(1_000_000, 'at most 1,000,000 queries').default(200).describe('Query budget (the initial population included)'),
      populationSize: z.number().int().positive().max(100_000, 'at most 100,000').default(10).describe('P (NB201 paper: 10)'),
      sampleSize: z.number().int().positive().max(100_000, 'at most 100,000').default(3).describe('S, tournament size (NB201 paper: 3)'),
      mutationAttempts: z.number().int().positive().max(1_000_000, 'at most 1,000,000').default(100).describe('Re-mutations tried before a random fresh child (no-repeat mode)'),
      allowRepeats: z.boolean().default(false).describe('Let children repeat queried architectures (each repeat costs a query)'),
    })
    .strict(),
  requires: ['mutable'],
  search: ({ space, budget, rng, options, checkpoint }) => runRegularizedEvolution(space, budget, rng, options, checkpoint),
});
