/**
 * `@naslab/method-enas`: ENAS (Pham, Guan, Zoph, Le & Dean, "Efficient Neural Architecture Search
 * via Parameter Sharing", ICML 2018; reference code melodyguan/enas as the benchmark's `ENASTF/`
 * ran it) on the `enas-micro` space: an LSTM controller trained by REINFORCE on a shared child.
 * TensorFlow.js is loaded only when the search runs.
 */
import { definePlugin, Tokens, type InjectionToken, type ProtocolPreset, type SearchMethod } from '@naslab/core';
import type { EnasArc } from '@naslab/space-enas-micro';
import { enasOptions, type EnasOptions } from './options.js';
import type { EnasServices } from './search.js';

export { ENAS_CODE_CONTROLLER, ENAS_PAPER_CONTROLLER, EnasController, type ArcSample, type ControllerSettings } from './controller.js';
export { enasOptions, type EnasOptions } from './options.js';

export function enasServices(resolve: <T>(token: InjectionToken<T>) => T, options: EnasOptions): EnasServices {
  return {
    augment: async () => {
      if (options.augment === 'none') return undefined;
      const trick = await resolve(Tokens.Plugins).create('trick', 'crop-flip', { padding: 4, flip: true, fill: 0 });
      return trick.hooks.augmentPixels?.bind(trick.hooks);
    },
  };
}

export function createEnas(options: EnasOptions, services: EnasServices): SearchMethod<EnasArc> {
  return {
    search: async (ctx) => {
      if (ctx.space.id !== 'enas-micro') throw new Error(`enas: needs the 'enas-micro' search space, got '${ctx.space.id}'`);
      const { searchEnas } = await import('./search.js');
      return searchEnas(ctx, options, services);
    },
  };
}

/**
 * ENAS' final training on CIFAR-10 (`ENASTF/README.md`, `cifar10_micro_final.sh`): 630 epochs,
 * batch 144, lr 0.05 (SGDR in the code; the engine's cosine to 0.0001 here), weight decay 4e-4
 * (L2 2e-4·Σw²), drop-path 0.4 (keep 0.6), auxiliary weight 0.4, no cutout; F = 36, 15 + 2 cells.
 */
export const enasPaperPreset: ProtocolPreset = {
  description: 'ENAS on CIFAR-10 (Pham et al. 2018; seed paper Table 2; NAS-Benchmark ENASTF cifar10_micro_final.sh)',
  knobs: { epochs: 630, batchSize: 144, learningRate: 0.05, learningRateMin: 0.0001, momentum: 0.9, weightDecay: 4e-4, gradClip: 5, channels: 36, cells: 17 },
  tricks: ['crop-flip', { id: 'drop-path', options: { probability: 0.4, schedule: 'linear' } }, { id: 'auxiliary-tower', options: { weight: 0.4, cell: 12 } }],
};

export default definePlugin({
  kind: 'method',
  id: 'enas',
  description: 'ENAS (Pham et al., ICML 2018): LSTM controller trained by REINFORCE on a weight-sharing child, micro cells.',
  options: enasOptions,
  outputs: () => 1,
  publishedSearchCost: { gpuDays: 0.3, source: 'Yang et al. 2020, Fig. 2 (CIFAR10)' },
  presets: { 'enas-paper': enasPaperPreset },
  create: ({ options, resolve }) => createEnas(options, enasServices(resolve, options)),
});
