/**
 * `@naslab/method-nsganet`: NSGA-Net (Lu et al., "NSGA-Net: Neural Architecture Search using
 * Multi-Objective Genetic Algorithm", GECCO 2019; reference code ianwhale/nsga-net as the
 * benchmark's `NSGANET/` ran it) on the `nsganet-micro` space: NSGA-II over validation error and
 * FLOPs, each candidate trained from scratch on the search split.
 */
import { definePlugin, Tokens, type InjectionToken, type ProtocolPreset, type SearchMethod, type Trick } from '@naslab/core';
import type { NsganetGenome } from '@naslab/space-nsganet-micro';
import { nsganetOptions, type NsganetOptions } from './options.js';
import type { NsganetServices } from './search.js';

export * from './nsga2.js';
export * from './micro-genome.js';
export { nsganetOptions, type NsganetOptions } from './options.js';
export type { CandidateRecord, NsganetServices } from './search.js';

/** The study's trainer and the crop-flip trick, from a job's container, created only when the search runs. */
export function nsganetServices(resolve: <T>(token: InjectionToken<T>) => T, options: NsganetOptions): NsganetServices {
  return {
    trainer: () => resolve(Tokens.Trainer),
    augment: async (): Promise<Trick[]> =>
      options.augment === 'crop-flip' ? [await resolve(Tokens.Plugins).create('trick', 'crop-flip', { padding: 4, flip: true, fill: 0 })] : [],
  };
}

export function createNsganet(options: NsganetOptions, services: NsganetServices): SearchMethod<NsganetGenome> {
  return {
    search: async (ctx) => {
      if (ctx.space.id !== 'nsganet-micro') throw new Error(`nsganet: needs the 'nsganet-micro' search space, got '${ctx.space.id}'`);
      const { searchNsganet } = await import('./search.js');
      return searchNsganet(ctx, options, services);
    },
  };
}

/**
 * NSGA-Net's evaluation recipe as the benchmark ran it on CIFAR-10 (`NSGANET/README.md`,
 * `validation/train.py`): 600 epochs, batch 96, SGD 0.025 cosine to 0, weight decay 3e-4, clip 5,
 * 34 initial channels, 20 cells, cutout 16, drop-path 0.2, auxiliary weight 0.4. SE and the filter
 * increment of 4 are the `nsganet-micro` space's defaults (`se: true`, `filterIncrement: 4`).
 */
export const nsganetPaperPreset: ProtocolPreset = {
  description: 'NSGA-Net on CIFAR-10 (Lu et al. 2019; seed paper Table 2; NAS-Benchmark NSGANET/validation/train.py; 34 ch, SE, +4 per cell)',
  knobs: { epochs: 600, batchSize: 96, learningRate: 0.025, learningRateMin: 0, momentum: 0.9, weightDecay: 3e-4, gradClip: 5, channels: 34, cells: 20 },
  tricks: [
    'crop-flip',
    { id: 'cutout', options: { length: 16 } },
    { id: 'drop-path', options: { probability: 0.2, schedule: 'linear' } },
    { id: 'auxiliary-tower', options: { weight: 0.4 } },
  ],
};

export default definePlugin({
  kind: 'method',
  id: 'nsganet',
  description: 'NSGA-Net (Lu et al., GECCO 2019): NSGA-II over validation error and FLOPs, candidates trained from scratch.',
  options: nsganetOptions,
  outputs: () => 1,
  publishedSearchCost: { gpuDays: 4, source: 'Yang et al. 2020, Fig. 2 (CIFAR10)' },
  presets: { 'nsganet-paper': nsganetPaperPreset },
  create: ({ options, resolve }) => createNsganet(options, nsganetServices(resolve, options)),
});
