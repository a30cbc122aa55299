/**
 * `@naslab/space-cnas`: the CNAS cell space (Weng et al., IEEE Access 2019) as the benchmark of
 * "NAS evaluation is frustratingly hard" ran it: 6 intermediate nodes, CNAS's 8 ops including
 * `cweight_com` and `shuffle_conv_3x3`, the quark0/darts `Genotype` text.
 */
import { definePlugin, z, type ArchitectureSize, type CostSpace, type Json, type Rng } from '@naslab/core';
import { cnasArchitectureKey, describeCnasGenotype, formatCnasGenotype, resolveCnasGenotype, type CnasGenotype } from './genotype.js';
import { CNAS_SAMPLING_MODES, sampleCnasGenotype } from './sampling.js';

export * from './genotype.js';
export * from './sampling.js';

export const cnasSpaceOptions = z
  .object({
    /** `released-code` (default): each op uniform over the 7 non-`none` ops, as the benchmark's sampler; `uniform-8`: over all 8. */
    sampling: z.enum(CNAS_SAMPLING_MODES).default('released-code'),
    /** `groups` of `shuffle_conv_3x3`: 1 as the released code's `OPS` table builds it (default), or 4 (channels divisible by 16). */
    shuffleGroups: z.union([z.literal(1), z.literal(4)]).default(1),
    /** `eps` of the cells' preprocessing BNs: 1 in the released code (`BatchNorm2d(c_out, affine)`), PyTorch's default 1e-5 otherwise. */
    preprocessEps: z.number().positive().default(1),
    /** `released-code`: 2×2 pooling before the classifier above 67 classes (CIFAR-100, Flowers102); `global`: always global. */
    pooling: z.enum(['released-code', 'global']).default('released-code'),
    /** Network stem: `auto` (the 224-px stem for inputs of 65 px and more, else CIFAR's), `cifar` or `imagenet`. */
    stem: z.enum(['auto', 'cifar', 'imagenet']).default('auto'),
  })
  .strict();
export type CnasSpaceOptions = z.output<typeof cnasSpaceOptions>;

/** The benchmark's CIFAR-10 evaluation network of CNAS: 20 cells, 36 initial channels. */
export const CNAS_EVALUATION_SIZE: ArchitectureSize = { cells: 20, channels: 36, classes: 10, inputShape: [32, 32, 3] };

/**
 * The CNAS space without network assembly: sampling, text form, description, and the cost of a
 * genotype with the network options given (parameters analytically; FLOPs load tfjs).
 */
export function createCnasSpace(options: Partial<CnasSpaceOptions> = {}): CostSpace<CnasGenotype> {
  const { sampling = 'released-code', ...network } = options;
  return {
    id: 'cnas',
    sample: (rng: Rng) => sampleCnasGenotype(rng, sampling),
    format: formatCnasGenotype,
    parse: resolveCnasGenotype,
    describe: (g: CnasGenotype): Record<string, Json> => ({ ...describeCnasGenotype(g), key: cnasArchitectureKey(g) }),
    evaluationSize: CNAS_EVALUATION_SIZE,
    cost: async (g, size, o) => (await loadCnasNetwork()).cnasCost(g, size, { ...network, ...o }),
  };
}

/**
 * The network assembly and cost (`buildCnasNetwork`, `countCnasParameters`, `cnasCost`,
 * `withCnasNetworks`). It imports TensorFlow.js, so it is loaded on demand.
 */
export function loadCnasNetwork(): Promise<typeof import('./network.js')> {
  return import('./network.js');
}

export default definePlugin({
  kind: 'space',
  id: 'cnas',
  description: 'CNAS cell space: 8 ops (cweight_com, shuffle_conv_3x3, …), 6 nodes × 2 edges, normal and reduction cells.',
  options: cnasSpaceOptions,
  capabilities: ['trainable', 'cost'],
  // A `TrainableSpace` (engine): the network module (and tfjs) is loaded here, at job time.
  create: async ({ options }) => {
    const { withCnasNetworks } = await loadCnasNetwork();
    const { sampling: _, ...network } = options;
    return withCnasNetworks(createCnasSpace(options), network);
  },
});
