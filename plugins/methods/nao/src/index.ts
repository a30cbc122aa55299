/**
 * `@naslab/method-nao`: NAO (Luo, Tian, Qin, Chen & Liu, "Neural Architecture Optimization",
 * NeurIPS 2018) in its weight-sharing form NAO-WS, as the benchmark's `NAO/train_search.py` ran
 * it on the `nao` space: an encoder–predictor–decoder over architecture token sequences, new
 * architectures by gradient ascent in embedding space, candidates scored by a shared child.
 * TensorFlow.js is loaded only when the search runs.
 */
import { definePlugin, Tokens, type InjectionToken, type ProtocolPreset, type SearchMethod } from '@naslab/core';
import type { NaoArch } from '@naslab/space-nao';
import { naoOptions, type NaoOptions } from './options.js';
import type { NaoServices } from './search.js';

export { NAO_CODE_CONTROLLER_SHAPE, NaoController, pairwiseAccuracy, type ControllerShape, type ControllerTraining } from './controller.js';
export { controllerSchedule, naoOptions, type NaoOptions } from './options.js';
export { allowedTokens, archToSequence, sequenceToArch, swapBranches, VOCABULARY } from './sequence.js';

export function naoServices(resolve: <T>(token: InjectionToken<T>) => T, options: NaoOptions): NaoServices {
  return {
    augment: async () => {
      if (options.augment === 'none') return undefined;
      const trick = await resolve(Tokens.Plugins).create('trick', 'crop-flip', { padding: 4, flip: true, fill: 0 });
      return trick.hooks.augmentPixels?.bind(trick.hooks);
    },
  };
}

export function createNao(options: NaoOptions, services: NaoServices): SearchMethod<NaoArch> {
  return {
    search: async (ctx) => {
      if (ctx.space.id !== 'nao') throw new Error(`nao: needs the 'nao' search space, got '${ctx.space.id}'`);
      const { searchNao } = await import('./search.js');
      return searchNao(ctx, options, services);
    },
  };
}

/**
 * NAO's final training as the benchmark ran it (`NAO/README.md` augment command, `train_cifar.py`
 * defaults): 600 epochs, batch 128, SGD 0.025 cosine → 0, momentum 0.9, L2 3e-4, clip 5, C = 36,
 * N = 6 (20 cells), cutout 16, auxiliary weight 0.4, drop-path keep 0.8; the classifier's dropout
 * 0.4 (keep_prob 0.6) is the `nao` space's `dropout` default.
 */
export const naoPaperPreset: ProtocolPreset = {
  description: 'NAO on CIFAR-10 (Luo et al. 2018; seed paper Table 2; NAS-Benchmark NAO/README.md train_cifar.py; batch 128, dropout 0.4)',
  knobs: { epochs: 600, batchSize: 128, learningRate: 0.025, learningRateMin: 0, momentum: 0.9, weightDecay: 3e-4, gradClip: 5, channels: 36, cells: 20 },
  tricks: [
    'crop-flip',
    { id: 'cutout', options: { length: 16 } },
    { id: 'drop-path', options: { probability: 0.2, schedule: 'linear' } },
    { id: 'auxiliary-tower', options: { weight: 0.4 } },
  ],
};

export default definePlugin({
  kind: 'method',
  id: 'nao',
  description: 'NAO-WS (Luo et al., NeurIPS 2018): encoder–predictor–decoder, gradient steps in embedding space, a weight-sharing child scores the pool.',
  options: naoOptions,
  outputs: () => 1,
  publishedSearchCost: { gpuDays: 0.67, source: 'Yang et al. 2020, Fig. 2 (CIFAR10)' },
  presets: { 'nao-paper': naoPaperPreset },
  create: ({ options, resolve }) => createNao(options, naoServices(resolve, options)),
});
