/**
 * `@naslab/method-stacnas`: StacNAS (Li, Yuan, Wen, Li, Zheng, Zhang & Gao, "StacNAS: Towards
 * Stable and Consistent Differentiable Neural Architecture Search", arXiv 1909.11926; official code
 * susan0199/StacNAS `search.py`, `genotypes.py`, `search_cnn.py`, `run_all.py`) on the DARTS
 * space's supernet: stage 1 searches over operation groups (one representative each), stage 2 a
 * fresh, deeper supernet within the group each edge chose; one-level optimisation (α and weights
 * both step on the training loss). TensorFlow.js is loaded only when the method searches.
 */
import { definePlugin, z, type ProtocolPreset, type SearchMethod } from '@naslab/core';
import { archOptimizerOptions, supernetMethodOptions, supernetMethodServices, supernetSearchMethod, type Genotype, type ResolveService, type SupernetMethodServices } from '@naslab/space-darts';

const pair = <T extends z.ZodTypeAny>(t: T) => z.tuple([t, t]);

/** Options; defaults are the official code (`run_all.py`, `config.py`) on CIFAR. */
export const stacnasOptions = supernetMethodOptions
  .extend({
    /** Epochs of stage 1 and stage 2: 80 + 80 in the official `run_all.py`; the benchmark's Table 2: 100 + 100. */
    stageEpochs: pair(z.number().int().positive()).default([80, 80]),
    /** Cells of the two supernets (14 / 20 on CIFAR; the benchmark's other datasets 8 / 8). */
    stageCells: pair(z.number().int().min(1)).default([14, 20]),
    /** Clipping of the weight gradients only (`--w_grad_clip 3` in `run_all.py`). */
    gradClip: z.number().positive().nullable().default(3),
    ...archOptimizerOptions,
    /**
     * What the one-level search trains on: `all` (both halves, the code's `train_ratio=1`: all
     * 50,000 CIFAR images, no validation) or `search-train` (half).
     */
    data: z.enum(['all', 'search-train']).default('all'),
  })
  .strict();
export type StacnasOptions = z.output<typeof stacnasOptions>;

export type StacnasServices = SupernetMethodServices;

/** The services from a job's container; the supernet training is loaded from its package. */
export function stacnasServices(resolve: ResolveService): StacnasServices {
  return supernetMethodServices(resolve, 'stacnas', 'package');
}

export function createStacnas(options: StacnasOptions, services: StacnasServices): SearchMethod<Genotype> {
  return supernetSearchMethod({
    method: 'stacnas',
    spaces: ['darts'],
    options,
    services,
    load: async () => (await import('./search.js')).searchStacnas,
  });
}

/**
 * StacNAS' evaluation recipe (paper Table 2, App. A.1; the official `augment.py`): 600 epochs of
 * SGD 0.025 cosine to 0, batch 96, 36 channels, 20 cells, clip 5, crop + flip, cutout 16,
 * drop-path 0.2, auxiliary 0.4. Its pool edges are pt.darts' PoolBN: the space's `pools: pt-darts`.
 */
export const stacnasPaperPreset: ProtocolPreset = {
  description: 'StacNAS on CIFAR-10 (Li et al. 2019; paper Table 2; susan0199/StacNAS augment.py)',
  knobs: { epochs: 600, batchSize: 96, learningRate: 0.025, learningRateMin: 0, momentum: 0.9, weightDecay: 3e-4, gradClip: 5, channels: 36, cells: 20 },
  tricks: [
    'crop-flip',
    { id: 'cutout', options: { length: 16 } },
    { id: 'drop-path', options: { probability: 0.2, schedule: 'linear' } },
    { id: 'auxiliary-tower', options: { weight: 0.4 } },
  ],
};

export default definePlugin({
  kind: 'method',
  id: 'stacnas',
  description: 'StacNAS (Li et al. 2019): stage 1 over op groups, stage 2 within the chosen group on a deeper supernet; one-level.',
  options: stacnasOptions,
  outputs: () => 1,
  publishedSearchCost: { gpuDays: 1, source: 'Yang et al. 2020, Fig. 2 (CIFAR10)' },
  presets: { 'stacnas-paper': stacnasPaperPreset },
  create: ({ options, resolve }) => createStacnas(options, stacnasServices(resolve)),
});
