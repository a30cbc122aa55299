/**
 * `@naslab/space-darts`: the DARTS cell search space (Liu et al., ICLR 2019) as a naslab plugin.
 * Architectures are `Genotype`s; their text is the reference code's `Genotype(…)` form.
 */
import { definePlugin, PLUGIN_API_VERSION, z, type Json, type Rng, type SearchSpace } from '@naslab/core';
import {
  architectureKey,
  describeGenotype,
  formatGenotype,
  GENOTYPES,
  parseGenotype,
  type Genotype,
} from './genotype.js';
import { DARTS_SAMPLING_MODES, sampleGenotype, type DartsSampling } from './sampling.js';

export * from './genotype.js';
export * from './sampling.js';
export * from './supernet.js';

export const dartsSpaceOptions = z
  .object({
    /**
     * `released-code` (default): per node 2 distinct inputs, each op uniform over the 7 non-`none`
     * ops, as antoyang/NAS-Benchmark does; `uniform-8`: op uniform over all 8 ops (the paper's text).
     */
    sampling: z.enum(DARTS_SAMPLING_MODES).default('released-code'),
    /**
     * Network stem when the engine builds a genotype: `cifar` (3×3 conv to 3·C, the reference
     * `NetworkCIFAR`) or `imagenet` (the two stride-2 stems of `NetworkImageNet`, for 224-px inputs).
     */
    stem: z.enum(['cifar', 'imagenet']).default('cifar'),
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

/** The DARTS space without network assembly (sampling, text form, description). */
export function createDartsSpace(options: Partial<DartsSpaceOptions> = {}): SearchSpace<Genotype> {
  const sampling: DartsSampling = options.sampling ?? 'released-code';
  return {
    id: 'darts',
    sample: (rng: Rng) => sampleGenotype(rng, sampling),
    format: formatGenotype,
    parse: resolveGenotype,
    describe: (g: Genotype): Record<string, Json> => ({ ...describeGenotype(g), key: architectureKey(g) }),
  };
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
  apiVersion: PLUGIN_API_VERSION,
  description: 'DARTS cell space: 8 ops, 4 nodes × 2 edges, normal and reduction cells.',
  options: dartsSpaceOptions,
  // A `TrainableSpace` (engine): loading the network module (and tfjs) happens here, at
  // job time, not when a manifest is validated.
  create: async ({ options }) => {
    const { withDartsNetworks } = await loadDartsNetwork();
    return withDartsNetworks(createDartsSpace(options), { stem: options.stem });
  },
});
