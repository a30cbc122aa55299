/**
 * `@naslab/method-pdarts`: P-DARTS (Chen, Xie, Wu & Tian, "Progressive Differentiable Architecture
 * Search: Bridging the Depth Gap between Search and Evaluation", ICCV 2019; the benchmark's copy
 * of chenxin061/pdarts, `PDARTS/train_search.py`) on the DARTS space's supernet: three stages of
 * growing depth, each a fresh supernet over the ops the previous stage kept, skip-connect dropout,
 * and the final cell restricted to at most 2 skip-connects. TensorFlow.js is loaded only when the
 * method searches.
 */
import { definePlugin, z, type ProtocolPreset, type SearchMethod } from '@naslab/core';
import { archOptimizerOptions, supernetMethodOptions, supernetMethodServices, supernetSearchMethod, type Genotype, type ResolveService, type SupernetMethodServices } from '@naslab/space-darts';

const triple = <T extends z.ZodTypeAny>(t: T) => z.tuple([t, t, t]);

/** Options; defaults are the CIFAR-10 command of the reference README and `train_search.py`. */
export const pdartsOptions = supernetMethodOptions
  .extend({
    /** Epochs of each stage (`--epochs 25`). */
    epochs: z.number().int().positive().default(25),
    /** Epochs at the start of each stage that train only the weights (`eps_no_archs`). */
    archFreeEpochs: z.number().int().min(0).default(10),
    batchSize: z.number().int().positive().default(96),
    /**
     * Cells of the supernet per stage: `layers + add_layers` = 5 + (0, 6, 12) in the README's CIFAR
     * command; the benchmark used 8/8/8 on the other datasets.
     */
    stageCells: triple(z.number().int().min(1)).default([5, 11, 17]),
    /** Ops per edge after each stage (`num_to_keep`): 8 → 5 → 3 → 1. The last must be 1. */
    keepOps: triple(z.number().int().min(1).max(7)).default([5, 3, 1]),
    /** Skip-connect dropout of each stage (`--dropout_rate`; CIFAR-100: 0.1 0.2 0.3). */
    skipDropout: triple(z.number().min(0).lt(1)).default([0, 0.4, 0.7]),
    /** Decay of the skip dropout once α train: p = rate·exp(−decay·(epoch − archFreeEpochs)) (`scale_factor`). */
    skipDropoutDecay: z.number().min(0).default(0.2),
    /**
     * At most this many skip-connects in the final normal cell (the paper's 2; the reference
     * writes the 0-skip genotype to `best_genotype.txt`, which `0` reproduces). null: no limit.
     */
    maxSkipConnects: z.number().int().min(0).max(8).nullable().default(2),
    /** Cosine floor of the weight learning rate (`--learning_rate_min 0.0`). */
    learningRateMin: z.number().min(0).default(0),
    ...archOptimizerOptions,
    /** α learning rate (`--arch_learning_rate 6e-4`, twice DARTS'). */
    archLearningRate: z.number().positive().default(6e-4),
    /** Evaluate the supernet on `search-valid` in the last N epochs of each stage (reference `epochs - epoch < 5`: 4). */
    validEpochs: z.number().int().min(0).default(4),
    evalBatchSize: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const [a, b, c] = o.keepOps;
    if (!(a < 8 && b < a && c < b)) ctx.addIssue({ code: 'custom', path: ['keepOps'], message: `keepOps must shrink below 8 at every stage, got [${o.keepOps.join(', ')}]` });
    if (c !== 1) ctx.addIssue({ code: 'custom', path: ['keepOps'], message: 'the last stage must keep 1 op per edge (the final cell)' });
    if (o.archFreeEpochs > o.epochs) ctx.addIssue({ code: 'custom', path: ['archFreeEpochs'], message: `archFreeEpochs (${o.archFreeEpochs}) exceeds epochs (${o.epochs})` });
  });
export type PdartsOptions = z.output<typeof pdartsOptions>;

export type PdartsServices = SupernetMethodServices;

/** The services from a job's container; the DARTS space's supernet training is loaded from its package: P-DARTS also searches `pdarts`. */
export function pdartsServices(resolve: ResolveService): PdartsServices {
  return supernetMethodServices(resolve, 'pdarts', 'package');
}

export const PDARTS_SPACES = ['pdarts', 'darts'] as const;

export function createPdarts(options: PdartsOptions, services: PdartsServices): SearchMethod<Genotype> {
  return supernetSearchMethod({
    method: 'pdarts',
    spaces: PDARTS_SPACES,
    options,
    services,
    load: async () => (await import('./search.js')).searchPdarts,
  });
}

/**
 * P-DARTS' evaluation recipe on CIFAR-10 (paper Table 2, App. A.1; the reference `train_cifar.py`
 * defaults): 600 epochs of SGD 0.025 cosine to 0, batch 128, 36 channels, 20 cells, clip 5, crop +
 * flip, cutout 16, drop-path 0.3 (linear), auxiliary weight 0.4.
 */
export const pdartsPaperPreset: ProtocolPreset = {
  description: 'P-DARTS on CIFAR-10 (Chen et al. 2019; paper Table 2; NAS-Benchmark PDARTS/train_cifar.py)',
  knobs: { epochs: 600, batchSize: 128, learningRate: 0.025, learningRateMin: 0, momentum: 0.9, weightDecay: 3e-4, gradClip: 5, channels: 36, cells: 20 },
  tricks: [
    'crop-flip',
    { id: 'cutout', options: { length: 16 } },
    { id: 'drop-path', options: { probability: 0.3, schedule: 'linear' } },
    { id: 'auxiliary-tower', options: { weight: 0.4 } },
  ],
};

export default definePlugin({
  kind: 'method',
  id: 'pdarts',
  description: 'P-DARTS (Chen et al., ICCV 2019): progressive DARTS in 3 stages, 8 → 5 → 3 ops per edge, ≤ 2 skip-connects.',
  options: pdartsOptions,
  outputs: () => 1,
  publishedSearchCost: { gpuDays: 0.25, source: 'Yang et al. 2020, Fig. 2 (CIFAR10)' },
  presets: { 'pdarts-paper': pdartsPaperPreset },
  create: ({ options, resolve }) => createPdarts(options, pdartsServices(resolve)),
});
