/**
 * `@naslab/space-darts`: the DARTS cell search space (Liu et al., ICLR 2019) as a naslab plugin.
 * Architectures are `Genotype`s; their text is the reference code's `Genotype(…)` form.
 */
import { definePlugin, provide, z, type ArchitectureCost, type ArchitectureSize, type CostSpace, type Json, type Rng } from '@naslab/core';
import {
  architectureKeyWithOps,
  DARTS_KNOWN_OPS,
  DARTS_OPS,
  describeGenotype,
  formatGenotypeWithOps,
  GENOTYPES,
  isKnownDartsOp,
  parseGenotypeWithOps,
  validateGenotypeWithOps,
  type DartsOp,
  type Genotype,
} from './genotype.js';
import { DARTS_SAMPLING_MODES, sampleGenotype, type DartsSampling } from './sampling.js';
import { DartsSupernetTraining } from './supernet.js';

export * from './genotype.js';
export * from './sampling.js';
export * from './supernet.js';
export * from './search-options.js';
export * from './method-services.js';
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
    /**
     * The op set (default DARTS' 8, in `PRIMITIVES` order): what sampling draws from, what
     * genotypes may use, what the network builds. `DARTS_MODIFIED_OPS` is the seed paper's
     * worse set. The supernet (DARTS, DARTS-PT, …) only knows the default set and refuses others.
     */
    ops: z
      .array(z.string())
      .min(1)
      .superRefine((ops, ctx) => {
        ops.forEach((op, i) => {
          if (!isKnownDartsOp(op)) {
            ctx.addIssue({ code: 'custom', path: [i], message: `unknown op "${op}"; the DARTS space builds ${DARTS_KNOWN_OPS.join(', ')}` });
          } else if (ops.indexOf(op) !== i) {
            ctx.addIssue({ code: 'custom', path: [i], message: `op "${op}" listed twice` });
          }
        });
        if (ops.every((op) => op === 'none')) ctx.addIssue({ code: 'custom', message: 'the op set needs an op other than "none"' });
      })
      .optional(),
    /**
     * Which code's DARTS this is: `quark0` (DARTS' own, the default) or `pt.darts` (khanrc/pt.darts,
     * the port antoyang/NAS-Benchmark ran; implies `pools: pt-darts`). Left out of the options
     * when not given, so the keys of existing jobs do not change.
     */
    variant: z.enum(['quark0', 'pt.darts']).optional(),
  })
  .strict();
export type DartsSpaceOptions = z.output<typeof dartsSpaceOptions>;
export type DartsVariant = NonNullable<DartsSpaceOptions['variant']>;

/** The pools the options stand for: `variant: pt.darts` builds pt.darts' `PoolBN`. */
export function resolveDartsPools(options: Partial<DartsSpaceOptions>): NonNullable<DartsSpaceOptions['pools']> {
  return options.variant === 'pt.darts' ? 'pt-darts' : (options.pools ?? 'quark0');
}

/** The op set the options stand for; the default is `DARTS_OPS` itself (same messages, same draws). */
export function resolveDartsOps(options: Partial<DartsSpaceOptions>): readonly DartsOp[] {
  const ops = options.ops;
  if (!ops || (ops.length === DARTS_OPS.length && ops.every((op, i) => op === DARTS_OPS[i]))) return DARTS_OPS;
  return ops as DartsOp[];
}

/** A DARTS space: the `CostSpace` plus the op set it was made with (which the supernet checks). */
export interface DartsSpace extends CostSpace<Genotype> {
  readonly ops: readonly DartsOp[];
}

/** A name from `GENOTYPES` (e.g. `DARTS_V2`) or genotype text. */
export function resolveGenotype(text: string): Genotype {
  return resolveGenotypeWithOps(text, DARTS_OPS);
}

/** `resolveGenotype` for the op set `ops`: a named genotype is checked against it like any text. */
export function resolveGenotypeWithOps(text: string, ops: readonly DartsOp[]): Genotype {
  const name = text.trim();
  const known = Object.hasOwn(GENOTYPES, name) ? GENOTYPES[name] : undefined;
  if (known) return validateGenotypeWithOps(structuredClone(known), ops);
  return parseGenotypeWithOps(text, ops);
}

/** DARTS' CIFAR-10 evaluation network: 20 cells, 36 initial channels (≈ 3.3 M parameters for DARTS V2). */
export const DARTS_EVALUATION_SIZE: ArchitectureSize = { cells: 20, channels: 36, classes: 10, inputShape: [32, 32, 3] };

/**
 * The DARTS space without network assembly: sampling, text form, description, and the cost of a
 * genotype (parameters counted analytically; FLOPs by running the network once, which loads tfjs).
 */
export function createDartsSpace(options: Partial<DartsSpaceOptions> = {}): DartsSpace {
  const sampling: DartsSampling = options.sampling ?? 'released-code';
  const ops = resolveDartsOps(options);
  const pools = resolveDartsPools(options);
  return {
    id: 'darts',
    ops,
    sample: (rng: Rng) => sampleGenotype(rng, sampling, ops),
    format: (g) => formatGenotypeWithOps(g, ops),
    parse: (text) => resolveGenotypeWithOps(text, ops),
    describe: (g: Genotype): Record<string, Json> => ({ ...describeGenotype(g), key: architectureKeyWithOps(g, ops) }),
    evaluationSize: DARTS_EVALUATION_SIZE,
    cost: (g, size, o) => dartsCost(g, size, { ...o, stem: options.stem, pools }),
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
    return withDartsNetworks(createDartsSpace(options), { stem: options.stem, pools: resolveDartsPools(options) });
  },
});
