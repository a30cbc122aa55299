/** The manifest's schema (zod): what core itself reads of a manifest. */
import { z } from 'zod';
import { ablationSchema } from './ablation.js';

/**
 * Bounds on what a manifest controls, checked before any work: a typo (`seeds: 1e6`) must be an
 * input error, not a planner that fills the memory. Far above any study the paper runs.
 */
export const MANIFEST_LIMITS = {
  seeds: 1000,
  /** Largest seed value (seeds are 32-bit in the generators). */
  seedValue: 2 ** 31 - 1,
  /** Entries of `datasets`, `methods` and `protocol.tricks`. */
  plugins: 64,
} as const;

/** A study name: also a folder name in the store, so never `.`/`..` or a hidden name. */
const studyName = z
  .string()
  .max(100, 'at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-", starting with a letter or digit');

/** A reference to a plugin: its short id or package name, and its options. */
const pluginRefObject = z
  .object({
    id: z.string().min(1).describe('Short id (`darts` → @naslab/<kind>-darts) or a package name'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-"')
      .optional()
      .describe('Label in results, when one plugin is used twice with different options'),
    options: z.record(z.string(), z.unknown()).optional().describe("The plugin's own options"),
  })
  .strict();

export const pluginRefSchema = z.union([z.string().min(1), pluginRefObject]);
export type PluginRefInput = z.input<typeof pluginRefSchema>;

/** A method, optionally searching its own space (one study can then sample several spaces). */
const methodRefObject = z
  .object({
    ...pluginRefObject.shape,
    space: pluginRefSchema.optional().describe("The space this method searches, instead of the manifest's `space`"),
  })
  .strict();
export const methodRefSchema = z.union([z.string().min(1), methodRefObject]);
export type MethodRefInput = z.input<typeof methodRefSchema>;

/**
 * A dataset reference may change protocol knobs for that dataset's train jobs: the paper trains
 * 20 cells on CIFAR and 8 on the 224-px datasets with one recipe otherwise.
 */
const datasetRefObject = pluginRefObject
  .extend({
    protocol: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Protocol knobs for this dataset's train jobs, over every protocol's own and its preset's (e.g. { cells: 8 })"),
  })
  .strict();
export const datasetRefSchema = z.union([z.string().min(1), datasetRefObject]);
export type DatasetRefInput = z.input<typeof datasetRefSchema>;

/**
 * Core's part of a protocol: its name and tricks. Every other key is a knob of the trainer,
 * passed through here and validated by the trainer's own `protocol` schema when the study is
 * prepared (the engine's: epochs, batchSize, learningRate, channels, cells, gradClip, …).
 */
export const protocolSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._+-]+$/).default('base'),
    preset: z
      .string()
      .min(1)
      .optional()
      .describe("A protocol preset one of the study's methods exports (`darts-paper`, `pdarts-paper`, …): its knobs and tricks, under what this protocol writes itself"),
    tricks: z.array(pluginRefSchema).max(MANIFEST_LIMITS.plugins, `at most ${MANIFEST_LIMITS.plugins} tricks`).default([]).describe('Training tricks (plugins of kind trick)'),
    trainSeed: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Seed of the training random stream (initial weights, batch order, augmentation); protocols that differ only in it train the same architectures twice'),
  })
  .catchall(z.unknown())
  .describe("The evaluation protocol: how every architecture is trained from scratch (knobs: the trainer's)");

export const manifestSchema = z
  .object({
    $schema: z.string().optional(),
    name: studyName.describe('Study name'),
    description: z.string().optional(),
    seeds: z
      .union([
        z.number().int().positive().max(MANIFEST_LIMITS.seeds, `at most ${MANIFEST_LIMITS.seeds} seeds`),
        z
          .array(z.number().int().nonnegative().max(MANIFEST_LIMITS.seedValue, `a seed is at most ${MANIFEST_LIMITS.seedValue}`))
          .min(1)
          .max(MANIFEST_LIMITS.seeds, `at most ${MANIFEST_LIMITS.seeds} seeds`),
      ])
      .describe('Search seeds: a count n (0..n-1) or an explicit list'),
    datasets: z.array(datasetRefSchema).min(1).max(MANIFEST_LIMITS.plugins, `at most ${MANIFEST_LIMITS.plugins} datasets`),
    space: pluginRefSchema,
    methods: z.array(methodRefSchema).min(1).max(MANIFEST_LIMITS.plugins, `at most ${MANIFEST_LIMITS.plugins} methods`),
    baseline: z
      .string()
      .default('random-sampling')
      .describe('Label of the method every other is compared with (relative improvement)'),
    protocol: protocolSchema.default(() => protocolSchema.parse({})),
    ablation: ablationSchema
      .optional()
      .describe('Expand the protocol into a family (one-at-a-time, cumulative, factorial, named protocols) trained on the same architectures'),
    benchmark: pluginRefSchema
      .optional()
      .describe('A tabular benchmark: look-ups replace train-from-scratch and evaluation'),
    trainer: pluginRefSchema.optional().describe('Trainer plugin (default: the CLI\'s, @naslab/engine/trainer)'),
    backend: z
      .union([z.string().min(1), pluginRefObject, z.array(pluginRefSchema).min(1)])
      .default('auto')
      .describe('`auto` (fastest loadable), a backend id or {id, options} (`{id: libtorch, options: {device: cuda}}`), or a list tried in order'),
    executor: pluginRefSchema.default('local'),
    store: z.string().min(1).default('.naslab').describe('Results folder, relative to the manifest'),
    scoring: z
      .enum(['final', 'best'])
      .default('final')
      .describe("Which accuracy reports use: at the final epoch (the paper's text) or best over epochs (its released code); both are stored"),
    report: z
      .object({
        diverged: z
          .enum(['exclude', 'chance'])
          .default('exclude')
          .describe('Diverged trainings: listed apart and left out of means and RI (`exclude`), or counted at chance accuracy, 100 / classes (`chance`, as some papers do)'),
      })
      .strict()
      .default({ diverged: 'exclude' })
      .describe('How reports count results (never what is run: not part of the study\'s identity)'),
  })
  .strict();

/** What a manifest author writes (YAML, or TypeScript through `defineExperiment`). */
export type ExperimentInput = z.input<typeof manifestSchema>;

/**
 * JSON Schema of the manifest, for editor completion (`# yaml-language-server: $schema=…`).
 * `protocol`: the trainer's schema of its knobs, merged into core's part (name, tricks).
 */
export function manifestJsonSchema(options: { protocol?: z.ZodType } = {}): Record<string, unknown> {
  const core = z.toJSONSchema(manifestSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
  if (options.protocol) {
    const knobs = z.toJSONSchema(options.protocol, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
    const p = core.properties.protocol;
    p.properties = { name: p.properties.name, preset: p.properties.preset, ...knobs.properties, tricks: p.properties.tricks };
    p.additionalProperties = false;
    p.default = { name: 'base', ...(options.protocol.parse({}) as object), tricks: [] };
  }
  return core;
}
