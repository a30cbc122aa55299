/**
 * `@naslab/space-darts`: the DARTS cell search space (Liu et al., ICLR 2019) as a naslab plugin.
 * Architectures are `Genotype`s; their text is the reference code's `Genotype(…)` form.
 */
import { definePlugin, provide, z, type ArchitectureCost, type ArchitectureSize, type CostSpace, type Json, type Rng } from '@naslab/core';
import {
  architectureKey,
  describeGenotype,
  formatGenotype,
  GENOTYPES,
  parseGenotype,
  type Genotype,
} from './genotype.js';
import { DARTS_SAMPLING_MODES, sampleGenotype, type DartsSampling } from './sampling.js';
import { DartsSupernetTraining } from './supernet.js';

export * from './genotype.js';
export * from './sampling.js';
export * from './supernet.js';
export * from './search-options.js';
export type { PixelAugment } from './supernet/data.js';

export const dartsSpaceOptions = z
  .object({
    /**
     * `released-code` (default): per node 2 distinct inputs, each op uniform over the 7 non-`none`
     * ops, as antoyang/NAS-Benchmark does; `uniform-8`: op uniform over all 8 ops (the paper's text).
     */
    sampling: z.enum(DARTS_SAMPLING_MODES).default('released-code'),
    /**
     * Network stem when the engine builds a genotype: `cifar` (3×3 conv to 3·C, the reference
     * `AugmentCNN`), `imagenet` (three stride-2 convs of `AugmentCNNImageNet`, for 224-px inputs)
     * or `auto` (`imagenet` for inputs of 65 px and more on the shorter side, else `cifar`).
     */
    stem: z.enum(['auto', 'cifar', 'imagenet']).default('auto'),
    /**
     * Pool edges of the evaluation network: `quark0` (the pool alone, quark0/darts; DARTS V2 at
     * 20 cells/36 channels counts 3,349,342) or `pt-darts` (pool then affine BN, khanrc/pt.darts'
     * `PoolBN` as antoyang/NAS-Benchmark builds it; 3,351,502).
     */
    pools: z.enum(['quark0', 'pt-darts']).default('quark0'),
  })
  .strict();
export type DartsSpaceOptions = z.output<typeof dartsSpaceOptions>;

/** A name from `GENOTYPES` (e.g. `DARTS_V2`) or genotype text. */
export function resolveGenotype(text: string): Genotype {
  const name = text.trim();
  const known = Object.hasOwn(GENOTYPES, name) ? GENOTYPES[name] : undefined;
  if (known) return structuredClone(known);
  return parseGenotype(text);
}

/** DARTS' CIFAR-10 evaluation network: 20 cells, 36 initial channels (≈ 3.3 M parameters for DARTS V2). */
export const DARTS_EVALUATION_SIZE: ArchitectureSize = { cells: 20, channels: 36, classes: 10, inputShape: [32, 32, 3] };

/**
 * The DARTS space without network assembly: sampling, text form, description, and the cost of a
 * genotype (parameters counted analytically; FLOPs by running the network once, which loads tfjs).
 */
export function createDartsSpace(options: Partial<DartsSpaceOptions> = {}): CostSpace<Genotype> {
  const sampling: DartsSampling = options.sampling ?? 'released-code';
  return {
    id: 'darts',
    sample: (rng: Rng) => sampleGenotype(rng, sampling),
    format: formatGenotype,
    parse: resolveGenotype,
    describe: (g: Genotype): Record<string, Json> => ({ ...describeGenotype(g), key: architectureKey(g) }),
    evaluationSize: DARTS_EVALUATION_SIZE,
    cost: (g, size, o) => dartsCost(g, size, { ...o, stem: options.stem, pools: options.pools }),
  };
}

/** Parameters (auxiliary head excluded, as DARTS counts) and multiply-adds of a genotype's network. */
export async function dartsCost(
  g: Genotype,
  size: ArchitectureSize,
  o: { flops?: boolean; stem?: DartsSpaceOptions['stem']; pools?: DartsSpaceOptions['pools'] } = {},
): Promise<ArchitectureCost> {
  const { buildDartsNetwork, countDartsParameters } = await loadDartsNetwork();
  const spec = { ...size, stem: o.stem, pools: o.pools };
  const params = countDartsParameters(g, spec);
  if (o.flops === false) return { params };
  const [{ countFlops }, { Rng }] = await Promise.all([import('@naslab/engine'), import('@naslab/core')]);
  const network = buildDartsNetwork(g, { ...spec, rng: new Rng('naslab-arch') });
  try {
    return { params, flops: countFlops(network, size.inputShape) };
  } finally {
    network.dispose();
  }
}

/**
 * The network assembly (`buildDartsNetwork`, `countDartsParameters`, `withDartsNetworks`). It
 * imports TensorFlow.js, so it is loaded on demand, never by importing this package.
 */
export function loadDartsNetwork(): Promise<typeof import('./network.js')> {
  return import('./network.js');
}

export default definePlugin({
  kind: 'space',
  id: 'darts',
  description: 'DARTS cell space: 8 ops, 4 nodes × 2 edges, normal and reduction cells.',
  options: dartsSpaceOptions,
  capabilities: ['trainable', 'cost'],
  // Its supernet's bilevel training, for the weight-sharing methods of this space.
  provides: [provide(DartsSupernetTraining, () => import('./supernet/training.js'))],
  // A `TrainableSpace` (engine): loading the network module (and tfjs) happens here, at
  // job time, not when a manifest is validated.
  create: async ({ options }) => {
    const { withDartsNetworks } = await loadDartsNetwork();
    return withDartsNetworks(createDartsSpace(options), { stem: options.stem, pools: options.pools });
  },
});
