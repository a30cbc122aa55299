/**
 * `@naslab/method-cnas`: CNAS (Weng, Wei, Shi, Hu, Liu & Xie, "Automatic Convolutional Neural
 * Architecture Search for Image Classification Under Different Scenes", IEEE Access 7, 2019; the
 * benchmark's copy of tianbaochou/CNAS, `CNAS/run/train_search.py`, `darts/architecture.py`,
 * `darts/model_search.py`): first-order DARTS on the `cnas` space — cells of 6 intermediate nodes,
 * CNAS' 8 ops with `cweight_com` and `shuffle_conv_3x3` — with its own optimiser settings.
 * TensorFlow.js is loaded only when the method searches.
 */
import { definePlugin, z, type ProtocolPreset, type SearchMethod } from '@naslab/core';
import type { CnasGenotype } from '@naslab/space-cnas';
import { archOptimizerOptions, supernetMethodOptions, supernetMethodServices, supernetSearchMethod, type ResolveService, type SupernetMethodServices } from '@naslab/space-darts';

/** Options; defaults are `CNAS/run/train_search.py` as the README runs it. */
export const cnasOptions = supernetMethodOptions
  .extend({
    /** Search epochs: 50 in the README command (Table 2 says 60: set `epochs: 60`). */
    epochs: z.number().int().positive().default(50),
    /** Cells of the search network (`--layers 6`). */
    cells: z.number().int().min(1).default(6),
    /** Cosine floor of the weight learning rate (`--learning-rate-min 0.003`). */
    learningRateMin: z.number().min(0).default(0.003),
    ...archOptimizerOptions,
    /**
     * Which α give the genotype: `last-epoch-start`, as the code saves the genotype computed at the
     * start of the last epoch (`train_search.py` l.296, 325), or `final` (after the last epoch).
     */
    genotypeFrom: z.enum(['last-epoch-start', 'final']).default('last-epoch-start'),
    /** `groups` of `shuffle_conv_3x3` in the search network: 1 as the released `OPS` table builds it, or 4. */
    shuffleGroups: z.union([z.literal(1), z.literal(4)]).default(1),
    evalBatchSize: z.number().int().positive().optional(),
  })
  .strict();
export type CnasOptions = z.output<typeof cnasOptions>;

export type CnasServices = SupernetMethodServices;

/** The services from a job's container; DARTS' bilevel trainer is loaded from its package: it trains any supernet of the same shape. */
export function cnasServices(resolve: ResolveService): CnasServices {
  return supernetMethodServices(resolve, 'cnas', 'package');
}

export function createCnas(options: CnasOptions, services: CnasServices): SearchMethod<CnasGenotype> {
  return supernetSearchMethod({
    method: 'cnas',
    spaces: ['cnas'],
    options,
    services,
    load: async () => (await import('./search.js')).searchCnas,
  });
}

/**
 * CNAS' evaluation recipe as the benchmark's repository runs it (`CNAS/README.md` augment command,
 * `run/train_cnn.py` defaults): 600 epochs of SGD 0.025 cosine to 0, batch 64, weight decay 5e-4,
 * clip 5, 36 channels, 20 cells, no auxiliary head; with App. A.1's tricks: label smoothing 0.1,
 * cutout 16, drop-path 0.25. The paper's Table 2 says 200 epochs with Adam (see the README).
 */
export const cnasPaperPreset: ProtocolPreset = {
  description: 'CNAS on CIFAR-10 (Weng et al. 2019; NAS-Benchmark CNAS/README.md and run/train_cnn.py; App. A.1 tricks)',
  knobs: { epochs: 600, batchSize: 64, learningRate: 0.025, learningRateMin: 0, momentum: 0.9, weightDecay: 5e-4, gradClip: 5, channels: 36, cells: 20 },
  tricks: [
    'crop-flip',
    { id: 'cutout', options: { length: 16 } },
    { id: 'drop-path', options: { probability: 0.25, schedule: 'linear' } },
    { id: 'label-smoothing', options: { epsilon: 0.1 } },
  ],
};

/** The released code exactly: as `cnas-paper`, without label smoothing (its `num_classes >= 103` test never fires on the benchmark's datasets). */
export const cnasReleasedCodePreset: ProtocolPreset = {
  description: 'CNAS as NAS-Benchmark CNAS/run/train_cnn.py runs on the 5 datasets (no label smoothing)',
  knobs: cnasPaperPreset.knobs,
  tricks: cnasPaperPreset.tricks!.filter((t) => typeof t === 'string' || t.id !== 'label-smoothing'),
};

export default definePlugin({
  kind: 'method',
  id: 'cnas',
  description: 'CNAS (Weng et al., IEEE Access 2019): first-order DARTS on 6-node cells with cweight_com and shuffle_conv_3x3.',
  options: cnasOptions,
  outputs: () => 1,
  publishedSearchCost: { gpuDays: 0.6, source: 'Yang et al. 2020, Fig. 2 (CIFAR10)' },
  presets: { 'cnas-paper': cnasPaperPreset, 'cnas-released-code': cnasReleasedCodePreset },
  create: ({ options, resolve }) => createCnas(options, cnasServices(resolve)),
});
