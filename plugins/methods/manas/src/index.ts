/**
 * `@naslab/method-manas`: MANAS and MANAS-LS (Carlucci, Esperança, Maggioni, Tutunov, Hao,
 * Wang & Bou Ammar, "MANAS: Multi-Agent Neural Architecture Search", arXiv 1909.01051; no code
 * released) on the DARTS space's supernet: every edge an agent choosing its op each step, only the
 * chosen ops run and train, and the validation loss of the sampled architecture updates every
 * agent — by EXP3 (`variant: exp3`, MANAS) or least-squares credit assignment (`variant: ls`,
 * MANAS-LS). TensorFlow.js is loaded only when the method searches.
 */
import { definePlugin, z, type ProtocolPreset, type SearchMethod } from '@naslab/core';
import { supernetMethodOptions, supernetMethodServices, supernetSearchMethod, type Genotype, type ResolveService, type SupernetMethodServices } from '@naslab/space-darts';

/** Options; defaults are the benchmark's CIFAR-10 settings (paper Table 2, App. A.1). */
export const manasOptions = supernetMethodOptions
  .extend({
    /**
     * `ls`: MANAS-LS (least-squares credit, Zipf sampling), the CIFAR-10 column of the paper;
     * `exp3`: MANAS (EXP3 with the Boltzmann temperature schedule).
     */
    variant: z.enum(['ls', 'exp3']).default('ls'),
    epochs: z.number().int().positive().default(50),
    /** Cells of the search network (the benchmark: 8; the MANAS paper searched 20 directly). */
    cells: z.number().int().min(1).default(8),
    /** EXP3 reward = rewardBaseline − validation loss (App. A.1: baseline 5). */
    rewardBaseline: z.number().default(5),
    /** EXP3 uniform exploration γ: π = (1 − γ)·softmax(B̃/T) + γ/K (0.1; Sport8 0.07, Flowers102 0.05, MIT67 0.01). */
    gamma: z.number().min(0).max(1).default(0.1),
    /** Boltzmann temperature from → to over the search (1000 → 200; Sport8 300 → 100, MIT67 5000 → 2000). */
    temperature: z.tuple([z.number().positive(), z.number().positive()]).default([1000, 200]),
    /** How the temperature goes from the first value to the second over the steps. */
    temperatureSchedule: z.enum(['linear', 'exponential']).default('linear'),
    /** Ridge of MANAS-LS' least squares (identifies β up to the per-agent constant; tiny). */
    lsRidge: z.number().positive().default(1e-3),
  })
  .strict();
export type ManasOptions = z.output<typeof manasOptions>;

export type ManasServices = SupernetMethodServices;

/** The services from a job's container; the supernet training is loaded from its package. */
export function manasServices(resolve: ResolveService): ManasServices {
  return supernetMethodServices(resolve, 'manas', 'package');
}

export function createManas(options: ManasOptions, services: ManasServices): SearchMethod<Genotype> {
  return supernetSearchMethod({
    method: 'manas',
    spaces: ['darts'],
    options,
    services,
    load: async () => (await import('./search.js')).searchManas,
  });
}

/**
 * MANAS' evaluation recipe on CIFAR-10 (paper Table 2, App. A.1): 600 epochs of SGD 0.025 cosine
 * to 0, batch 128, 36 channels, 20 cells, clip 5, crop + flip, cutout 16, drop-path 0.2, auxiliary 0.4.
 */
export const manasPaperPreset: ProtocolPreset = {
  description: 'MANAS on CIFAR-10 (Carlucci et al. 2019; paper Table 2 and App. A.1)',
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
  id: 'manas',
  description: 'MANAS / MANAS-LS (Carlucci et al. 2019): one agent per edge, EXP3 or least-squares credit on sampled sparse architectures.',
  options: manasOptions,
  outputs: () => 1,
  publishedSearchCost: { gpuDays: 0.7, source: 'Yang et al. 2020, Fig. 2 (CIFAR10)' },
  presets: { 'manas-paper': manasPaperPreset },
  create: ({ options, resolve }) => createManas(options, manasServices(resolve)),
});
