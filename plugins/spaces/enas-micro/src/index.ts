/**
 * `@naslab/space-enas-micro`: the ENAS micro cell space (Pham et al., ICML 2018) as the benchmark
 * of "NAS evaluation is frustratingly hard" ran it: 5 nodes of 2 inputs and 2 ops over 5 ops,
 * the 40-integer arc, loose-end outputs, and the random sampler of its ENAS baseline.
 */
import { definePlugin, z, type ArchitectureSize, type CostSpace, type Json, type Rng } from '@naslab/core';
import { describeEnasArc, enasArcKey, formatEnasArc, resolveEnasArc, type EnasArc } from './arc.js';
import { ENAS_SAMPLERS, sampleEnasArc } from './sampling.js';

export * from './arc.js';
export * from './sampling.js';

export const enasSpaceOptions = z
  .object({
    /** `released-code` (the benchmark's sampler: one pair of cell inputs for every node, default) or `uniform` (the paper's space). */
    sampler: z.enum(ENAS_SAMPLERS).default('released-code'),
    /** Dropout before the classifier: 1 − `child_keep_prob` (0.8 in the final-training script). */
    dropout: z.number().min(0).max(0.99).default(0.2),
    /** `he-normal` (the reference's `create_weight`) or the engine's `pytorch-default`. */
    init: z.enum(['he-normal', 'pytorch-default']).default('he-normal'),
    /** `auto` (the 224-px stem for inputs of 65 px and more), `cifar` or `imagenet`. */
    stem: z.enum(['auto', 'cifar', 'imagenet']).default('auto'),
  })
  .strict();
export type EnasSpaceOptions = z.output<typeof enasSpaceOptions>;

/** ENAS's CIFAR-10 final training: `child_num_layers=15` (17 layers), `child_out_filters=36`. */
export const ENAS_EVALUATION_SIZE: ArchitectureSize = { cells: 17, channels: 36, classes: 10, inputShape: [32, 32, 3] };

/** The space without network assembly: sampling, text, description, cost (parameters analytically; FLOPs load tfjs). */
export function createEnasSpace(options: Partial<EnasSpaceOptions> = {}): CostSpace<EnasArc> {
  const { sampler = 'released-code', ...network } = options;
  return {
    id: 'enas-micro',
    sample: (rng: Rng) => sampleEnasArc(rng, sampler),
    format: formatEnasArc,
    parse: resolveEnasArc,
    describe: (a: EnasArc): Record<string, Json> => ({ ...describeEnasArc(a), key: enasArcKey(a) }),
    evaluationSize: ENAS_EVALUATION_SIZE,
    cost: async (a, size, o) => (await loadEnasNetwork()).enasCost(a, size, { ...network, ...o }),
  };
}

/** The network assembly and cost; it imports TensorFlow.js, so it is loaded on demand. */
export function loadEnasNetwork(): Promise<typeof import('./network.js')> {
  return import('./network.js');
}

export default definePlugin({
  kind: 'space',
  id: 'enas-micro',
  description: 'ENAS micro cell space: 5 nodes × 2 (input, op) branches over 5 ops, 40-integer arc, loose-end outputs.',
  options: enasSpaceOptions,
  capabilities: ['trainable', 'cost'],
  create: async ({ options }) => {
    const { withEnasNetworks } = await loadEnasNetwork();
    const { sampler: _, ...network } = options;
    return withEnasNetworks(createEnasSpace(options), network);
  },
});
