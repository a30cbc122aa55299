import { readFileSync } from 'node:fs';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { z } from 'zod';
import type { SpaceCapability } from './capabilities.js';
import type { Backend, BackendSpeed, Benchmark, Dataset, PluginKind, PublishedSearchCost, SearchMethod, SearchSpace, Trainer, Trick } from './contracts.js';
import type { Executor } from './executor.js';
import type { ProtocolPreset } from './presets.js';

/**
 * The version of `@naslab/core` running. A plugin is compatible when this version satisfies the
 * range its package.json declares in `peerDependencies['@naslab/core']`.
 */
export const CORE_VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** @deprecated Kept for display (`naslab --version`); the compatibility check uses the plugin's peer range for `@naslab/core`. */
export const PLUGIN_API_VERSION = CORE_VERSION;

/** What `create` returns, per kind. */
export interface PluginInstances {
  space: SearchSpace<any>;
  method: SearchMethod<any>;
  dataset: Dataset;
  trick: Trick;
  backend: Backend;
  executor: Executor;
  benchmark: Benchmark<any>;
  trainer: Trainer<any>;
}

/** What a plugin's `create` (and a service it provides) receives. */
export interface PluginCreateContext<O> {
  readonly options: O;
  /** The id the manifest used for this plugin (its label when several instances exist). */
  readonly label: string;
  /**
   * Resolve a service from the job's container by token: core's (`Tokens.Rng`, `Tokens.Logger`,
   * `Tokens.JobContext`, `Tokens.Plugins`, …) and those other plugins of the study provide.
   */
  resolve<T>(token: InjectionToken<T>): T;
}

/**
 * A service a plugin registers for the other plugins of a study (as a credo-ts module does): a
 * token, and a factory called once per study, lazily, the first time a plugin resolves it.
 */
export interface ServiceProvider<T = unknown> {
  readonly token: InjectionToken<T>;
  readonly create: (ctx: { resolve<U>(token: InjectionToken<U>): U }) => T;
}

/** Bind a token to a factory, typed (`provides: [provide(MyToken, () => …)]`). */
export function provide<T>(token: InjectionToken<T>, create: ServiceProvider<T>['create']): ServiceProvider<T> {
  return { token, create } as ServiceProvider<T>;
}

export interface DefinitionBase<K extends PluginKind, O> {
  readonly kind: K;
  /** Short id, e.g. `darts`; the package is `@naslab/<kind>-<id>` by convention. */
  readonly id: string;
  readonly description?: string;
  /** Options schema (zod, from `@naslab/core`'s `z`), with defaults. */
  readonly options?: z.ZodType<O>;
  /** Services this plugin registers in the study's container for other plugins. */
  readonly provides?: readonly ServiceProvider<any>[];
  create(ctx: PluginCreateContext<O>): PluginInstances[K] | Promise<PluginInstances[K]>;
}

/** The fields only one kind has. */
export interface KindFields<O> {
  space: {
    /** What the space can do, checked against what methods and the trainer require. */
    readonly capabilities?: readonly SpaceCapability[];
  };
  method: {
    /**
     * How many architectures one search returns for these options, so the planner can lay out
     * train jobs before the search runs (random sampling: K). Default 1.
     */
    readonly outputs?: (options: O) => number;
    /** Whether the search queries the study's benchmark; such a method needs a `benchmark:`. */
    readonly needsBenchmark?: boolean;
    /** Capabilities the study's space must declare. */
    readonly requires?: readonly SpaceCapability[];
    /**
     * The method's evaluation recipes by name (`pdarts-paper`): a manifest's protocol names one
     * with `preset:` instead of spelling its knobs and tricks (see `ProtocolPreset`).
     */
    readonly presets?: Readonly<Record<string, ProtocolPreset>>;
    /** The search cost its paper (or the benchmark paper) reports, shown as "published" in reports. */
    readonly publishedSearchCost?: PublishedSearchCost;
  };
  dataset: {
    /**
     * The identity of the data these options point at (`fileDigest` of the files read). Hashed
     * into job ids, so results computed from other data (another file behind the same path) are
     * never reused. A throw is an input error at the plugin's place in the manifest.
     */
    readonly dataIdentity?: (options: O) => string | Promise<string>;
    /** Check the data files (sizes, record structure, labels) before any job; a throw is an input error. */
    readonly checkData?: (options: O) => void | Promise<void>;
  };
  benchmark: {
    /** As a dataset's: the identity of the table these options point at. */
    readonly dataIdentity?: (options: O) => string | Promise<string>;
    /**
     * Check the benchmark's data fully for a study naming `datasets` (its tables): run by
     * `validate` and before any job, so a corrupt table or a dataset it lacks is an input error
     * at the benchmark's line, not a failed job. A throw is that error (its message says file:line).
     */
    readonly checkData?: (options: O, study: { readonly datasets: readonly string[] }) => void | Promise<void>;
    /** Package names of the spaces whose architectures it looks up; another space is refused. */
    readonly spaces?: readonly string[];
  };
  trick: Record<never, never>;
  backend: {
    /** Rank under `backend: auto` (libtorch 100, tfjs-node-gpu 40, tfjs-node 30, wasm 20, cpu 10). */
    readonly priority: number;
    /** Measured training speed relative to PyTorch (bench/train-throughput), for the CLI's notices. */
    readonly speed?: BackendSpeed;
  };
  executor: Record<never, never>;
  trainer: {
    /**
     * Schema of the protocol knobs this trainer understands (epochs, batch size, …), with their
     * defaults. Core validates every protocol of the manifest with it (errors at the manifest's
     * lines) and passes the parsed protocol to `trainFromScratch`. `name` and `tricks` are core's.
     */
    readonly protocol?: z.ZodType<Record<string, unknown>>;
    /** Names of the trick hooks this trainer calls; a trick with any other hook is refused. */
    readonly hooks?: readonly string[];
    /** Capabilities the study's space must declare to be trained by this trainer. */
    readonly requires?: readonly SpaceCapability[];
  };
}

/** A plugin's definition: what its package default-exports (`definePlugin({...})`). */
export type PluginDefinition<K extends PluginKind = PluginKind, O = any> = K extends PluginKind ? DefinitionBase<K, O> & KindFields<O>[K] : never;

export type SpaceDefinition<O = any> = PluginDefinition<'space', O>;
export type MethodDefinition<O = any> = PluginDefinition<'method', O>;
export type DatasetDefinition<O = any> = PluginDefinition<'dataset', O>;
export type BenchmarkDefinition<O = any> = PluginDefinition<'benchmark', O>;
export type TrickDefinition<O = any> = PluginDefinition<'trick', O>;
export type BackendDefinition<O = any> = PluginDefinition<'backend', O>;
export type ExecutorDefinition<O = any> = PluginDefinition<'executor', O>;
export type TrainerDefinition<O = any> = PluginDefinition<'trainer', O>;

/** What `definePlugin` takes: the definition of kind K, its options given as a zod schema S. */
export type DefinitionInput<K extends PluginKind, S extends z.ZodType> = { readonly kind: K; readonly options?: S } & Omit<
  DefinitionBase<K, z.output<S>> & KindFields<z.output<S>>[K],
  'kind' | 'options'
>;

/**
 * Declare a plugin. A plugin package's entry `export default definePlugin({...})`; the fields
 * are checked per kind (a method's `outputs`, a space's `capabilities`, a trick's hooks…).
 *
 * ```ts
 * export default definePlugin({
 *   kind: 'trick', id: 'cutout',
 *   options: z.object({ length: z.number().int().positive().default(16) }),
 *   create: ({ options, label }) => { const hooks: TrickHooks = { augmentBatch: … }; return { id: label, hooks }; },
 * });
 * ```
 */
export function definePlugin<K extends PluginKind, S extends z.ZodType = z.ZodType<Record<string, never>>>(
  definition: DefinitionInput<K, S>,
): PluginDefinition<K, z.output<S>> {
  return definition as unknown as PluginDefinition<K, z.output<S>>;
}

/** Register a definition's `provides` in a container (once per study container). */
export function registerProvidedServices(container: DependencyContainer, definition: PluginDefinition): void {
  for (const p of definition.provides ?? []) {
    let made: { value: unknown } | undefined;
    container.register(p.token, {
      useFactory: (c) => (made ??= { value: p.create({ resolve: (t) => c.resolve(t) }) }).value,
    });
  }
}

/**
 * A plugin created outside a study: its options parsed (defaults filled) by its own schema, and no
 * job container (`resolve` throws). For what inspects or loads plugins by package rather than
 * through a manifest: `naslab plugins` probing backends, `naslab arch`, tests.
 */
export async function instantiatePlugin<K extends PluginKind>(
  definition: PluginDefinition<K>,
  options: unknown = {},
  label: string = definition.id,
): Promise<PluginInstances[K]> {
  const parsed: unknown = definition.options ? definition.options.parse(options) : options;
  return definition.create({
    options: parsed,
    label,
    resolve: (token) => {
      throw new Error(`${label}: created outside a study, there is no job container to resolve ${String(token)} from`);
    },
  }) as Promise<PluginInstances[K]>;
}

export function isPluginDefinition(value: unknown): value is PluginDefinition {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.kind === 'string' && typeof v.id === 'string' && typeof v.create === 'function';
}
