/**
 * `@naslab/method-darts-pt`: DARTS-PT (Wang, Cheng, Chen, Tang & Hsieh, "Rethinking Architecture
 * Selection in Differentiable NAS", ICLR 2021; reference code ruocwang/darts-pt): train the DARTS
 * supernet as DARTS does, then select the architecture by perturbation — per edge the op whose
 * removal hurts validation accuracy most, per node the 2 edges whose removal hurts most — with
 * fine-tuning between decisions. TensorFlow.js is loaded only when the method is created.
 */
import { definePlugin, z, type SearchMethod } from '@naslab/core';
import { dartsSearchOptions, supernetMethodServices, supernetSearchMethod, type Genotype, type SupernetMethodServices } from '@naslab/space-darts';

export const dartsPtOptions = dartsSearchOptions
  .extend({
    /**
     * Tuning epochs between two projections (`--proj_intv`): 5 in every released script of the
     * reference (its argparse default, 10, is an option); 0: project without tuning.
     */
    projectionInterval: z.number().int().min(0).default(5),
    /** What a perturbation is judged by (`proj_crit_*`, reference `acc`). */
    criterion: z.enum(['accuracy', 'loss']).default('accuracy'),
    /** DARTS-PT (fix α): α stay as the supernet left them while tuning. */
    fixAlpha: z.boolean().default(false),
    /** Weight learning rate of the tuning phase (reference: learning_rate / 10). */
    tuneLearningRate: z.number().positive().optional(),
    /**
     * Tuning learning rate over the tuning epochs: `constant`, as the reference runs (its
     * `pt_project` builds a cosine scheduler but never steps it), or `cosine` to `learningRateMin`.
     */
    tuneSchedule: z.enum(['constant', 'cosine']).default('constant'),
    /**
     * Ops of the supernet's softmax: `without-none`, the reference's DARTS space (`spaces.py`
     * `s5`: the 7 ops, `none` removed, as every released DARTS-space script searches), or `all`
     * 8 of DARTS' `PRIMITIVES` (`none` takes softmax mass, so every perturbation score moves).
     */
    supernetOps: z.enum(['without-none', 'all']).default('without-none'),
    /** Evaluate each perturbation on the first N images of `search-valid` only (default: all). */
    projectionSubset: z.number().int().positive().optional(),
  })
  .strict();
export type DartsPtOptions = z.output<typeof dartsPtOptions>;

export function createDartsPt(options: DartsPtOptions, services: SupernetMethodServices): SearchMethod<Genotype> {
  return supernetSearchMethod({
    method: 'darts-pt',
    spaces: ['darts'],
    options,
    services,
    load: async () => (await import('./projection.js')).searchDartsPt,
  });
}

export default definePlugin({
  kind: 'method',
  id: 'darts-pt',
  description: 'DARTS-PT (Wang et al., ICLR 2021): DARTS supernet + perturbation-based architecture selection.',
  options: dartsPtOptions,
  outputs: () => 1,
  publishedSearchCost: { gpuDays: 0.8, source: 'Wang et al. 2021, Table 2 (CIFAR10, one GTX 1080Ti)' },
  // The supernet training the DARTS space provides, and the crop-flip trick's hook, as DARTS uses them.
  create: ({ options, resolve }) => createDartsPt(options, supernetMethodServices(resolve, 'darts-pt')),
});
