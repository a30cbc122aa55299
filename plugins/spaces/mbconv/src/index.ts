/**
 * `@naslab/space-mbconv`: the MobileNetV2/MnasNet-style space of Single-Path NAS (Stamoulis et
 * al., 2019; dstamoulis/single-path-nas): 22 MBConv blocks, the 20 middle ones searchable (kernel
 * 3×3 or 5×5, expansion 3 or 6, non-first layers of a stage skippable), with the reference's
 * per-layer latency model over a look-up table the manifest names.
 */
import { definePlugin, InputError, z, type ArchitectureSize, type CostSpace, type Json, type LatencySpace, type Rng } from '@naslab/core';
import { describeArch, formatArch, parseArch, sampleArch, type MbconvArch } from './arch.js';
import { MBCONV_BN_MOMENTUM } from './backbone.js';
import { predictLatency, readLatencyTable, REFERENCE_CONSTANT_MS, type LatencyTable } from './latency.js';
import type { MbconvNetworkOptions } from './network.js';

export * from './arch.js';
export * from './backbone.js';
export * from './latency.js';
export type { DepthwiseFactory, LayerPlan, MbconvBlockArgs, MbconvNetworkOptions } from './network.js';

export const mbconvSpaceOptions = z
  .object({
    /** Width multiplier of every filter count but the head's (the reference's `depth_multiplier`). */
    widthMultiplier: z.number().positive().max(4).default(1),
    /** Resize the images to this square size before the stem; null keeps the dataset's size. */
    inputSize: z.number().int().min(8).nullable().default(null),
    /** Filters of the 1×1 head conv (1280 in the reference). */
    headChannels: z.number().int().positive().default(1280),
    /** Dropout before the classifier in training (0.2 in the reference). */
    dropout: z.number().min(0).lt(1).default(0.2),
    /**
     * BatchNorm momentum in PyTorch's convention, running = (1 − m)·running + m·batch. The
     * default 0.01 is the reference's TensorFlow `batch_norm_momentum=0.99`; a toy run of a few
     * hundred steps needs more (0.1, PyTorch's default) or its evaluation, which uses the running
     * statistics, sits at chance.
     */
    batchNormMomentum: z.number().gt(0).max(1).default(MBCONV_BN_MOMENTUM),
    /**
     * A latency look-up table in the reference's format (`pixel1_runtime_model.json`: per block
     * "0"…"21", columns "0"…"3" = k3e3, k3e6, k5e3, k5e6 in ms), relative to the working folder.
     * With it, `describe` predicts each architecture's latency (reports plot accuracy against it).
     */
    latencyTable: z
      .string()
      .min(1)
      .optional()
      .superRefine((file, ctx) => {
        if (file === undefined) return;
        try {
          readLatencyTable(file);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: err instanceof InputError ? err.message : String(err) });
        }
      }),
    /** The latency of what the table leaves out: stem, head, first and last block (19.5999 ms in the reference). */
    latencyConstantMs: z.number().nonnegative().default(REFERENCE_CONSTANT_MS),
  })
  .strict();
export type MbconvSpaceOptions = z.output<typeof mbconvSpaceOptions>;

/** The reference's ImageNet setting: 224×224 RGB, 1000 classes (`cells`/`channels` are not read). */
export const MBCONV_EVALUATION_SIZE: ArchitectureSize = { cells: 22, channels: 32, classes: 1000, inputShape: [224, 224, 3] };

/** The MBConv space with its latency model (when it has a table). */
export interface MbconvSpace extends CostSpace<MbconvArch>, LatencySpace<MbconvArch> {
  readonly id: 'mbconv';
  readonly networkOptions: MbconvNetworkOptions;
  readonly latencyTable?: LatencyTable;
  readonly latencyConstantMs: number;
  /** Predicted latency in ms (undefined without a table). */
  latencyMs(arch: MbconvArch): number | undefined;
}

export function networkOptionsOf(o: Partial<MbconvSpaceOptions>): MbconvNetworkOptions {
  return {
    widthMultiplier: o.widthMultiplier ?? 1,
    inputSize: o.inputSize ?? null,
    headChannels: o.headChannels ?? 1280,
    dropout: o.dropout ?? 0.2,
    batchNormMomentum: o.batchNormMomentum ?? MBCONV_BN_MOMENTUM,
  };
}

/** The space without network assembly (parameters and FLOPs load the network module, and tfjs). */
export function createMbconvSpace(options: Partial<MbconvSpaceOptions> = {}): MbconvSpace {
  const networkOptions = networkOptionsOf(options);
  const table = options.latencyTable ? readLatencyTable(options.latencyTable) : undefined;
  const constant = options.latencyConstantMs ?? REFERENCE_CONSTANT_MS;
  const latencyMs = (arch: MbconvArch) => (table ? predictLatency(arch, table, constant) : undefined);
  return {
    id: 'mbconv',
    networkOptions,
    latencyTable: table,
    latencyConstantMs: constant,
    latencyMs,
    sample: (rng: Rng) => sampleArch(rng),
    format: formatArch,
    parse: parseArch,
    describe: (arch: MbconvArch): Record<string, Json> => {
      const d = describeArch(arch);
      const latency = latencyMs(arch);
      return { choices: d.choices, layers: d.layers, ...(latency === undefined ? {} : { latencyMs: Math.round(latency * 1e4) / 1e4 }) };
    },
    evaluationSize: MBCONV_EVALUATION_SIZE,
    cost: async (arch, size, o) => {
      const { mbconvCost } = await loadMbconvNetwork();
      return mbconvCost(arch, size, networkOptions, o);
    },
  };
}

/** The network assembly (imports TensorFlow.js and the engine: loaded on demand). */
export function loadMbconvNetwork(): Promise<typeof import('./network.js')> {
  return import('./network.js');
}

export default definePlugin({
  kind: 'space',
  id: 'mbconv',
  description: 'Single-Path NAS MBConv space: 20 layers × {k3, k5} × {e3, e6} (+ skip), with a per-layer latency table.',
  options: mbconvSpaceOptions,
  capabilities: ['trainable', 'cost', 'latency'],
  create: async ({ options }) => {
    const { withMbconvNetworks } = await loadMbconvNetwork();
    const space = createMbconvSpace(options);
    return withMbconvNetworks(space, space.networkOptions);
  },
});
