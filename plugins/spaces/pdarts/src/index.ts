/**
 * `@naslab/space-pdarts`: the DARTS cell space as P-DARTS (Chen et al., ICCV 2019) evaluates it,
 * with the random sampler of the P-DARTS baseline of "NAS evaluation is frustratingly hard"
 * (DARTS sampling with at most 2 skip-connects). Architectures are `@naslab/space-darts` genotypes.
 */
import { definePlugin, z, type CostSpace, type Json, type Rng } from '@naslab/core';
import { architectureKey, DARTS_EVALUATION_SIZE, DARTS_SAMPLING_MODES, describeGenotype, formatGenotype, type Genotype } from '@naslab/space-darts';
import { resolvePdartsGenotype } from './genotypes.js';
import { PDARTS_SKIP_LIMITS, samplePdartsGenotype, skipConnectCount, type PdartsSampling } from './sampling.js';

export * from './genotypes.js';
export * from './sampling.js';

export const pdartsSpaceOptions = z
  .object({
    /** `released-code` (default): each edge's op uniform over the 7 non-`none` ops; `uniform-8`: over all 8 (the paper's text). */
    sampling: z.enum(DARTS_SAMPLING_MODES).default('released-code'),
    /** At most this many `skip_connect` edges in a sampled genotype (P-DARTS: 2). */
    maxSkipConnects: z.number().int().nonnegative().default(2),
    /** Where `maxSkipConnects` counts: `normal` (P-DARTS' rule, default), `each-cell`, or `architecture` (both cells together). */
    skipLimit: z.enum(PDARTS_SKIP_LIMITS).default('normal'),
    /** Network stem: `auto` (ImageNet stem for inputs above 64 px, else CIFAR), `cifar` or `imagenet`. */
    stem: z.enum(['auto', 'cifar', 'imagenet']).default('auto'),
  })
  .strict();
export type PdartsSpaceOptions = z.output<typeof pdartsSpaceOptions>;

/**
 * The P-DARTS space without network assembly: sampling, text form, description, and the cost of a
 * genotype (parameters counted analytically; FLOPs by running the network once, which loads tfjs).
 */
export function createPdartsSpace(options: Partial<PdartsSpaceOptions> = {}): CostSpace<Genotype> {
  const sampling: PdartsSampling = {
    ops: options.sampling ?? 'released-code',
    maxSkipConnects: options.maxSkipConnects ?? 2,
    skipLimit: options.skipLimit ?? 'normal',
  };
  return {
    id: 'pdarts',
    sample: (rng: Rng) => samplePdartsGenotype(rng, sampling),
    format: formatGenotype,
    parse: resolvePdartsGenotype,
    describe: (g: Genotype): Record<string, Json> => ({
      ...describeGenotype(g),
      'normal.skip_connect': skipConnectCount(g.normal),
      'reduce.skip_connect': skipConnectCount(g.reduce),
      key: architectureKey(g),
    }),
    // P-DARTS evaluates on CIFAR as DARTS does: 20 cells, 36 channels.
    evaluationSize: DARTS_EVALUATION_SIZE,
    cost: async (g, size, o) => (await loadPdartsNetwork()).pdartsCost(g, size, { ...o, stem: options.stem }),
  };
}

/**
 * The network assembly and cost (`buildPdartsNetwork`, `countPdartsParameters`, `pdartsCost`,
 * `withPdartsNetworks`). It imports TensorFlow.js, so it is loaded on demand.
 */
export function loadPdartsNetwork(): Promise<typeof import('./network.js')> {
  return import('./network.js');
}

export default definePlugin({
  kind: 'space',
  id: 'pdarts',
  description: 'P-DARTS: the DARTS cell space, sampled with at most 2 skip-connects; NetworkCIFAR / NetworkImageNet.',
  options: pdartsSpaceOptions,
  capabilities: ['trainable', 'cost'],
  // A `TrainableSpace` (engine): the network module (and tfjs) is loaded here, at job time.
  create: async ({ options }) => {
    const { withPdartsNetworks } = await loadPdartsNetwork();
    return withPdartsNetworks(createPdartsSpace(options), { stem: options.stem });
  },
});
