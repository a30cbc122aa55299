import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { PluginKind } from './contracts.js';
import { formatPath, InputError } from './errors.js';
import type { ManifestSource, PluginRef } from './manifest-types.js';
import { valueAt, zodProblems } from './problems.js';
import { registerProvidedServices, type PluginInstances } from './plugin.js';
import type { LoadedPlugin } from './resolver.js';
import { isPathOption, resolveManifestPath } from './paths.js';

/** A plugin resolved for a study: package, validated options, label, and its token. */
export interface BoundPlugin<K extends PluginKind = PluginKind> {
  readonly loaded: LoadedPlugin<K>;
  readonly ref: PluginRef;
  readonly options: unknown;
  /**
   * The options as the job ids hash them: validated, but path options as written (resolved
   * paths would make ids depend on where the study folder lies; the data's identity is hashed).
   */
  readonly keyOptions?: unknown;
  readonly token: InjectionToken<Promise<PluginInstances[K]>>;
}

/**
 * Plugins of one study, registered in its tsyringe container. Each registration is a factory;
 * resolving it from a job's child container creates the plugin with that job's services.
 */
export class PluginHost {
  private readonly bound = new Map<string, BoundPlugin>();
  private readonly providing = new Set<string>();

  constructor(private readonly container: DependencyContainer) {}

  /** Validate `ref.options` against the plugin's schema and register its factory and services. */
  bind<K extends PluginKind>(kind: K, loaded: LoadedPlugin<K>, ref: PluginRef, manifest?: ManifestSource): BoundPlugin<K> {
    const src: ManifestSource = manifest ?? { file: '(manifest)', locate: () => ({}), raw: undefined };
    let options: unknown = ref.options;
    let keyOptions: unknown;
    const schema = loaded.definition.options;
    if (schema) {
      const parsed = schema.safeParse(ref.options);
      if (!parsed.success) {
        const optionsPath = typeof valueAt(src.raw, ref.path) === 'string' ? ref.path : [...ref.path, 'options'];
        const known = optionKeys(schema);
        throw new InputError(
          zodProblems(parsed.error.issues, src, optionsPath, (path) => (path.length === optionsPath.length ? known : undefined)).map((p) => ({
            ...p,
            message: `${p.message} (options of ${loaded.packageName})`,
          })),
        );
      }
      keyOptions = parsed.data;
      options = resolvePathOptions(parsed.data, schema, src, ref, typeof valueAt(src.raw, ref.path) === 'string' ? ref.path : [...ref.path, 'options']);
    } else if (Object.keys(ref.options).length) {
      const path = [...ref.path, 'options'];
      throw new InputError({ file: src.file, ...src.locate(path), path: formatPath(path), message: `${loaded.packageName} takes no options` });
    }
    const token = Symbol.for(`naslab.plugin.${kind}.${ref.label}`) as InjectionToken<Promise<PluginInstances[K]>>;
    const definition = loaded.definition;
    this.container.register(token, {
      useFactory: (c: DependencyContainer) =>
        Promise.resolve(definition.create({ options, label: ref.label, resolve: <T>(t: InjectionToken<T>) => c.resolve(t) })) as Promise<PluginInstances[K]>,
    });
    // One package's services once per study, whatever the number of its instances.
    if (!this.providing.has(loaded.dir)) {
      this.providing.add(loaded.dir);
      registerProvidedServices(this.container, definition);
    }
    const b: BoundPlugin<K> = { loaded, ref, options, keyOptions, token };
    this.bound.set(`${kind}:${ref.label}`, b);
    return b;
  }

  get<K extends PluginKind>(kind: K, label: string): BoundPlugin<K> {
    const b = this.bound.get(`${kind}:${label}`);
    if (!b) throw new Error(`no ${kind} plugin bound as "${label}"`);
    return b as BoundPlugin<K>;
  }

  has(kind: PluginKind, label: string): boolean {
    return this.bound.has(`${kind}:${label}`);
  }

  all(): BoundPlugin[] {
    return [...this.bound.values()];
  }

  /** Create the plugin instance for a job, from that job's child container. */
  instantiate<K extends PluginKind>(jobContainer: DependencyContainer, kind: K, label: string): Promise<PluginInstances[K]> {
    return jobContainer.resolve(this.get(kind, label).token);
  }
}

/**
 * Options declared with `pathOption`, resolved by the manifest's rule: variables expanded,
 * relative to the manifest's folder (the working directory for an in-memory manifest).
 */
function resolvePathOptions(options: unknown, schema: unknown, src: ManifestSource, ref: PluginRef, optionsPath: (string | number)[]): unknown {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  if (!shape || !options || typeof options !== 'object') return options;
  const baseDir = (src as { dir?: string }).dir ?? process.cwd();
  const out: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const [key, field] of Object.entries(shape)) {
    if (typeof out[key] !== 'string' || !isPathOption(field)) continue;
    try {
      out[key] = resolveManifestPath(out[key] as string, baseDir);
    } catch (e) {
      const path = [...optionsPath, key];
      throw new InputError({ file: src.file, ...src.locate(path), path: formatPath(path), message: `${(e as Error).message} (options of ${ref.id})` });
    }
  }
  return out;
}

/** The keys of an object schema (for "unknown option, did you mean …"), or undefined. */
export function optionKeys(schema: unknown): string[] | undefined {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : undefined;
}
