/**
 * `@naslab/space-nsganet-micro`: the NSGA-Net micro cell space (Lu et al., GECCO 2019) as the
 * benchmark of "NAS evaluation is frustratingly hard" ran it: 9 ops, the bit-string genome,
 * loose-end outputs, `PyramidNetworkCIFAR` with squeeze-and-excitation and the filter increment.
 */
import { definePlugin, z, type ArchitectureSize, type CostSpace, type Json, type Rng } from '@naslab/core';
import { describeNsganetGenome, formatNsganetGenome, nsganetGenomeKey, resolveNsganetGenome, type NsganetGenome } from './genome.js';
import { NSGANET_SAMPLERS, sampleNsganetGenome } from './sampling.js';

export * from './genome.js';
export * from './sampling.js';

export const nsganetSpaceOptions = z
  .object({
    /** `released-code` (the benchmark's sampler: 4 blocks, ops 0–7, distinct inputs; default) or `uniform` (the search space: 5 blocks, 9 ops). */
    sampler: z.enum(NSGANET_SAMPLERS).default('released-code'),
    /** Squeeze-and-excitation on every cell output (`--SE`; CIFAR network). */
    se: z.boolean().default(true),
    /** Channels added after every cell (`--filter_increment`; CIFAR network). */
    filterIncrement: z.number().int().nonnegative().default(4),
    /** `auto` (`NetworkImageNet` for inputs of 65 px and more), `cifar` or `imagenet`. */
    stem: z.enum(['auto', 'cifar', 'imagenet']).default('auto'),
  })
  .strict();
export type NsganetSpaceOptions = z.output<typeof nsganetSpaceOptions>;

/** The seed paper's CIFAR-10 setting: 20 cells, 34 initial channels (with +4 per cell and SE, the options' defaults). */
export const NSGANET_EVALUATION_SIZE: ArchitectureSize = { cells: 20, channels: 34, classes: 10, inputShape: [32, 32, 3] };

/** The space without network assembly: sampling, text, description, cost (parameters analytically; FLOPs load tfjs). */
export function createNsganetSpace(options: Partial<NsganetSpaceOptions> = {}): CostSpace<NsganetGenome> {
  const { sampler = 'released-code', ...network } = options;
  return {
    id: 'nsganet-micro',
    sample: (rng: Rng) => sampleNsganetGenome(rng, sampler),
    format: formatNsganetGenome,
    parse: resolveNsganetGenome,
    describe: (g: NsganetGenome): Record<string, Json> => ({ ...describeNsganetGenome(g), key: nsganetGenomeKey(g) }),
    evaluationSize: NSGANET_EVALUATION_SIZE,
    cost: async (g, size, o) => (await loadNsganetNetwork()).nsganetCost(g, size, { ...network, ...o }),
  };
}

/** The network assembly and cost; it imports TensorFlow.js, so it is loaded on demand. */
export function loadNsganetNetwork(): Promise<typeof import('./network.js')> {
  return import('./network.js');
}

export default definePlugin({
  kind: 'space',
  id: 'nsganet-micro',
  description: 'NSGA-Net micro cell space: blocks of 2 (op, input) units over 9 ops, bit-string genome, loose-end outputs, SE and filter increment.',
  options: nsganetSpaceOptions,
  capabilities: ['trainable', 'cost'],
  create: async ({ options }) => {
    const { withNsganetNetworks } = await loadNsganetNetwork();
    const { sampler: _, ...network } = options;
    return withNsganetNetworks(createNsganetSpace(options), network);
  },
});
