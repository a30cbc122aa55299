/**
 * `@naslab/space-nao`: the NAO cell space (Luo et al., NeurIPS 2018) as the benchmark of "NAS
 * evaluation is frustratingly hard" ran it: 5 nodes of 2 inputs and 2 ops, the 40-integer arch
 * encoding, loose-end outputs, the normal cell stacked N times between reductions.
 */
import { definePlugin, z, type ArchitectureSize, type CostSpace, type Json, type Rng } from '@naslab/core';
import { describeNaoArch, formatNaoArch, naoArchitectureKey, resolveNaoArch, type NaoArch } from './arch.js';
import { NAO_OP_SET_NAMES, sampleNaoArch } from './sampling.js';

export * from './arch.js';
export * from './sampling.js';

export const naoSpaceOptions = z
  .object({
    /**
     * The op ids `sample` draws: `random-baseline` (0–10, the benchmark's random sampler, default),
     * `search` (0–4, what the benchmark's NAO search proposes) or `nao-paper` (5–15, NAONet-A's).
     */
    ops: z.enum(NAO_OP_SET_NAMES).default('random-baseline'),
    /** Drop-path exemptions: `identity` (identity ops, what the guard means; default), `released-code` (branches reading states 4 and 5, the code's guard), `none`. */
    dropPathExempt: z.enum(['released-code', 'identity', 'none']).default('identity'),
    /** Dropout before the classifier: 1 − keep_prob, 0.4 in the benchmark's augment commands. */
    dropout: z.number().min(0).max(0.99).default(0.4),
    /** `kaiming-normal` (the reference `init_parameters`) or the engine's `pytorch-default`. */
    init: z.enum(['kaiming-normal', 'pytorch-default']).default('kaiming-normal'),
    /** Network stem: `auto` (the 224-px stem for inputs of 65 px and more, else CIFAR's), `cifar` or `imagenet`. */
    stem: z.enum(['auto', 'cifar', 'imagenet']).default('auto'),
  })
  .strict();
export type NaoSpaceOptions = z.output<typeof naoSpaceOptions>;

/** NAO's CIFAR-10 evaluation network: N = 6 (20 cells), 36 initial channels. */
export const NAO_EVALUATION_SIZE: ArchitectureSize = { cells: 20, channels: 36, classes: 10, inputShape: [32, 32, 3] };

/**
 * The NAO space without network assembly: sampling, text form, description, and the cost of an
 * architecture with the network options given (parameters analytically; FLOPs load tfjs).
 */
export function createNaoSpace(options: Partial<NaoSpaceOptions> = {}): CostSpace<NaoArch> {
  const { ops = 'random-baseline', ...network } = options;
  return {
    id: 'nao',
    sample: (rng: Rng) => sampleNaoArch(rng, ops),
    format: formatNaoArch,
    parse: resolveNaoArch,
    describe: (a: NaoArch): Record<string, Json> => ({ ...describeNaoArch(a), key: naoArchitectureKey(a) }),
    evaluationSize: NAO_EVALUATION_SIZE,
    cost: async (a, size, o) => (await loadNaoNetwork()).naoCost(a, size, { ...network, ...o }),
  };
}

/**
 * The network assembly and cost (`buildNaoNetwork`, `countNaoParameters`, `naoCost`,
 * `withNaoNetworks`). It imports TensorFlow.js, so it is loaded on demand.
 */
export function loadNaoNetwork(): Promise<typeof import('./network.js')> {
  return import('./network.js');
}

export default definePlugin({
  kind: 'space',
  id: 'nao',
  description: 'NAO cell space: 5 nodes × 2 (input, op) branches, 40-integer arch, loose-end outputs; 11 sampled ops (5 searched).',
  options: naoSpaceOptions,
  capabilities: ['trainable', 'cost'],
  // A `TrainableSpace` (engine): the network module (and tfjs) is loaded here, at job time.
  create: async ({ options }) => {
    const { withNaoNetworks } = await loadNaoNetwork();
    const { ops: _, ...network } = options;
    return withNaoNetworks(createNaoSpace(options), network);
  },
});
