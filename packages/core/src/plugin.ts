import type { InjectionToken } from 'tsyringe';
import type { z } from 'zod';
import type {
  Backend,
  Benchmark,
  Dataset,
  PluginKind,
  Reporter,
  SearchMethod,
  SearchSpace,
  Trainer,
  Trick,
} from './contracts.js';
import type { Executor } from './executor.js';

/**
 * The plugin API this core provides. A plugin declares the version it was built against;
 * a different major version is refused with a message naming both.
 */
export const PLUGIN_API_VERSION = '1.0.0';

/** What `create` returns, per kind. */
export interface PluginInstances {
  space: SearchSpace<any>;
  method: SearchMethod<any>;
  dataset: Dataset;
  trick: Trick<any>;
  backend: Backend;
  executor: Executor;
  benchmark: Benchmark<any>;
  reporter: Reporter;
  trainer: Trainer;
}

/** What a plugin's `create` receives: its validated options and the job's container. */
export interface PluginCreateContext<O> {
  readonly options: O;
  /** The id the manifest used for this plugin (its label when several instances exist). */
  readonly label: string;
  /**
   * Resolve a core service from the job's child container by explicit token
   * (`Tokens.Rng`, `Tokens.Logger`, `Tokens.JobContext`, …).
   */
  resolve<T>(token: InjectionToken<T>): T;
}

export interface PluginDefinition<K extends PluginKind = PluginKind, O = any> {
  readonly kind: K;
  /** Short id, e.g. `darts`; the package is `@naslab/<kind>-<id>` by convention. */
  readonly id: string;
  /** Plugin-API version this plugin targets, e.g. `1.0.0` (compare: PLUGIN_API_VERSION). */
  readonly apiVersion: string;
  readonly description?: string;
  /** Options schema (zod, from `@naslab/core`'s `z`), with defaults. */
  readonly options?: z.ZodType<O>;
  /**
   * Methods only: how many architectures one search returns for these options, so the
   * planner can lay out train jobs before the search runs (random sampling: K).
   */
  readonly outputs?: (options: O) => number;
  /**
   * Methods only: whether the search queries the study's benchmark (query-based methods on
   * tabular benchmarks). Such a method cannot run without a `benchmark` in the manifest.
   */
  readonly needsBenchmark?: boolean;
  /**
   * Datasets and benchmarks that read files: the identity of the data these options point at
   * (`fileDigest` of the files read). The planner hashes it into job ids, so results computed
   * from other data (a different file behind the same path or `${VAR}`) are never reused, and it
   * is stored with every job's inputs. Called once when a study is prepared; a throw is reported
   * as an input error at the plugin's place in the manifest.
   */
  readonly dataIdentity?: (options: O) => string | Promise<string>;
  create(ctx: PluginCreateContext<O>): PluginInstances[K] | Promise<PluginInstances[K]>;
}

/**
 * Declare a plugin. A plugin package's entry `export default definePlugin({...})`.
 *
 * ```ts
 * export default definePlugin({
 *   kind: 'trick', id: 'cutout', apiVersion: PLUGIN_API_VERSION,
 *   options: z.object({ length: z.number().int().positive().default(16) }),
 *   create: ({ options }) => ({ id: 'cutout', hooks: { augmentBatch: … } }),
 * });
 * ```
 */
export function definePlugin<K extends PluginKind, S extends z.ZodType = z.ZodType<Record<string, never>>>(
  definition: Omit<PluginDefinition<K, z.output<S>>, 'options'> & { options?: S },
): PluginDefinition<K, z.output<S>> {
  return definition as PluginDefinition<K, z.output<S>>;
}

/**
 * A plugin created outside a study: its options parsed (defaults filled) by its own schema, and no
 * job container (`resolve` throws). For what inspects or loads plugins by package rather than
 * through a manifest: `naslab plugins` probing backends, the engine loading installed backends.
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
  });
}

export function isPluginDefinition(value: unknown): value is PluginDefinition {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.kind === 'string' &&
    typeof v.id === 'string' &&
    typeof v.apiVersion === 'string' &&
    typeof v.create === 'function'
  );
}

/** Major version of a semver string (`1.2.3` → 1); NaN when unparsable. */
export function majorVersion(version: string): number {
  const m = /^\s*v?(\d+)(\.|$)/.exec(version);
  return m ? Number(m[1]) : Number.NaN;
}
