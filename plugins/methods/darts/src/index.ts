/**
 * `@naslab/method-darts`: DARTS (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture
 * Search", ICLR 2019; reference code quark0/darts) on the DARTS space's supernet: bilevel search
 * on the dataset's search split, first or second order, then the reference genotype derivation.
 * TensorFlow.js is loaded only when the method is created.
 */
import { definePlugin, z, type ProtocolPreset, type SearchMethod } from '@naslab/core';
import { dartsSearchOptions, supernetMethodServices, supernetSearchMethod, type Genotype, type ResolveService, type SupernetMethodServices } from '@naslab/space-darts';

/**
 * Options: the settings of the supernet training, defaults the reference `train_search.py`
 * arguments, and which code's DARTS: `quark0` (quark0/darts, the default) or `pt.darts`
 * (khanrc/pt.darts as antoyang/NAS-Benchmark runs it: second order whatever `order` says, a
 * shuffled half/half split of the search data, edges ranked by raw α, at most 2 skip-connects in
 * the normal cell). `variant` is left out of the options when not given (job keys unchanged).
 */
export const dartsOptions = dartsSearchOptions.extend({ variant: z.enum(['quark0', 'pt.darts']).optional() });
export type DartsOptions = z.output<typeof dartsOptions>;

/** What the search uses from the study: the supernet training the space provides, and the crop-flip hook. */
export type DartsServices = SupernetMethodServices;

/** The services from a job's container (`resolve`), created only when the search runs. */
export function dartsServices(resolve: ResolveService): DartsServices {
  return supernetMethodServices(resolve, 'darts');
}

export function createDarts(options: DartsOptions, services: DartsServices): SearchMethod<Genotype> {
  return supernetSearchMethod({
    method: 'darts',
    spaces: ['darts'],
    options,
    services,
    load: async () => (await import('./search.js')).searchDarts,
    checkOps: true,
  });
}

/**
 * The DARTS evaluation recipe on CIFAR-10 (paper Table 2 and App. A.1; the benchmark's
 * `DARTS/config.py`, `augment.py`): 600 epochs of SGD 0.025 cosine to 0, batch 96, 36 channels,
 * 20 cells, clip 5, random crop + flip, cutout 16, drop-path 0.2 (linear), auxiliary weight 0.4.
 */
export const dartsPaperPreset: ProtocolPreset = {
  description: 'DARTS on CIFAR-10 (Liu et al. 2019; paper Table 2; NAS-Benchmark DARTS/augment.py)',
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
  id: 'darts',
  description: 'DARTS (Liu et al., ICLR 2019): bilevel weight-sharing search, first or second order.',
  options: dartsOptions,
  outputs: () => 1,
  publishedSearchCost: { gpuDays: 0.3, source: 'Yang et al. 2020, Fig. 2 (CIFAR10)' },
  presets: { 'darts-paper': dartsPaperPreset },
  create: ({ options, resolve }) => createDarts(options, dartsServices(resolve)),
});
