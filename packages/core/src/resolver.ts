import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { PluginKind } from './contracts.js';
import { formatPath, InputError, PluginError, type InputProblem } from './errors.js';
import type { Manifest, PluginRef } from './manifest.js';
import { valueAt, zodProblems } from './manifest.js';
import {
  isPluginDefinition,
  majorVersion,
  PLUGIN_API_VERSION,
  type PluginDefinition,
  type PluginInstances,
} from './plugin.js';

/** A plugin package found on disk and imported. */
export interface LoadedPlugin<K extends PluginKind = PluginKind> {
  readonly kind: K;
  readonly packageName: string;
  readonly version: string;
  readonly dir: string;
  readonly definition: PluginDefinition<K>;
}

/**
 * The package a manifest id names: a short id maps to `@naslab/<kind>-<id>` (as vitest maps
 * `v8` to `@vitest/coverage-v8`); anything scoped or containing a slash is a package name.
 */
export function packageNameFor(kind: PluginKind, id: string): string {
  if (id.startsWith('@') || id.includes('/') || id.startsWith('naslab-')) return id;
  return `@naslab/${kind}-${id}`;
}

/** Find `node_modules/<name>` walking up from each base folder. */
export function findPackageDir(name: string, bases: readonly string[]): { dir?: string; searched: string[] } {
  const searched: string[] = [];
  for (const base of bases) {
    let dir = resolvePath(base);
    for (;;) {
      const candidate = join(dir, 'node_modules', name);
      searched.push(candidate);
      if (existsSync(join(candidate, 'package.json'))) return { dir: candidate, searched };
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return { searched };
}

/** `@scope/name/sub` → package `@scope/name`, subpath `./sub`. */
export function splitPackageId(id: string): { name: string; subpath: string } {
  const parts = id.split('/');
  const n = id.startsWith('@') ? 2 : 1;
  const rest = parts.slice(n).join('/');
  return { name: parts.slice(0, n).join('/'), subpath: rest ? `./${rest}` : '.' };
}

function entryOf(pkg: Record<string, any>, subpath: string): string | undefined {
  const dot = typeof pkg.exports === 'string' ? (subpath === '.' ? pkg.exports : undefined) : pkg.exports?.[subpath] ?? undefined;
  if (subpath !== '.' && !pkg.exports) return subpath;
  if (typeof dot === 'string') return dot;
  if (dot && typeof dot === 'object') return dot.import ?? dot.default ?? dot.node;
  return pkg.module ?? pkg.main ?? 'index.js';
}

const cache = new Map<string, LoadedPlugin>();

/**
 * Load the plugin package a manifest names. Only named packages are imported. Errors say
 * which package was expected, where it was looked for, and how to install it.
 */
export async function loadPlugin<K extends PluginKind>(
  kind: K,
  id: string,
  options: { searchFrom: readonly string[]; where?: Omit<InputProblem, 'message'> },
): Promise<LoadedPlugin<K>> {
  const fullName = packageNameFor(kind, id);
  const { name, subpath } = splitPackageId(fullName);
  const where = options.where ?? { file: '(manifest)' };
  const found = findPackageDir(name, options.searchFrom);
  if (!found.dir) {
    throw new PluginError({
      ...where,
      message: `${kind} plugin "${id}" not found: package ${name} is not installed (install it with \`npm install ${name}\`)`,
    });
  }
  const key = `${kind}:${found.dir}:${subpath}`;
  const cached = cache.get(key);
  if (cached) return cached as LoadedPlugin<K>;
  const pkg = JSON.parse(readFileSync(join(found.dir, 'package.json'), 'utf8')) as Record<string, any>;
  const entry = entryOf(pkg, subpath);
  if (!entry) throw new PluginError({ ...where, message: `package ${name} has no entry point "${subpath}" (exports/main)` });
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(join(found.dir, entry)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new PluginError({ ...where, message: `cannot import ${name}@${pkg.version}: ${(e as Error).message}` });
  }
  const definition = mod.default ?? mod.plugin;
  if (!isPluginDefinition(definition)) {
    throw new PluginError({
      ...where,
      message: `package ${name}@${pkg.version} does not export a plugin definition (export default definePlugin({...}))`,
    });
  }
  const theirs = majorVersion(definition.apiVersion);
  const ours = majorVersion(PLUGIN_API_VERSION);
  if (theirs !== ours) {
    throw new PluginError({
      ...where,
      message: `${name}@${pkg.version} targets naslab plugin API ${definition.apiVersion}, but this naslab provides plugin API ${PLUGIN_API_VERSION} (major ${ours}); use a version of the plugin built for API ${ours}.x`,
    });
  }
  if (definition.kind !== kind) {
    throw new PluginError({
      ...where,
      message: `${name} is a ${definition.kind} plugin, but it is named where a ${kind} plugin is expected`,
    });
  }
  const loaded: LoadedPlugin<K> = {
    kind,
    packageName: fullName,
    version: String(pkg.version ?? '0.0.0'),
    dir: found.dir,
    definition: definition as PluginDefinition<K>,
  };
  cache.set(key, loaded);
  return loaded;
}

/** A plugin resolved for a study: package, validated options, label. */
export interface BoundPlugin<K extends PluginKind = PluginKind> {
  readonly loaded: LoadedPlugin<K>;
  readonly ref: PluginRef;
  readonly options: unknown;
  readonly token: InjectionToken<Promise<PluginInstances[K]>>;
}

/**
 * Plugins of one study, registered in a tsyringe container. Each registration is a factory;
 * resolving it from a job's child container gives the plugin that job's context.
 */
export class PluginHost {
  private readonly bound = new Map<string, BoundPlugin>();

  constructor(private readonly container: DependencyContainer) {}

  /** Validate `ref.options` against the plugin's schema and register its factory. */
  bind<K extends PluginKind>(kind: K, loaded: LoadedPlugin<K>, ref: PluginRef, manifest?: Pick<Manifest, 'file' | 'locate' | 'raw'>): BoundPlugin<K> {
    let options: unknown = ref.options;
    const schema = loaded.definition.options;
    if (schema) {
      const parsed = schema.safeParse(ref.options);
      if (!parsed.success) {
        const src = manifest ?? { file: '(manifest)', locate: () => ({}), raw: undefined };
        const optionsPath = typeof valueAt(src.raw, ref.path) === 'string' ? ref.path : [...ref.path, 'options'];
        throw new InputError(
          zodProblems(parsed.error.issues, { file: src.file, raw: src.raw, locate: src.locate }, optionsPath).map((p) => ({
            ...p,
            message: `${p.message} (options of ${loaded.packageName})`,
          })),
        );
      }
      options = parsed.data;
    } else if (Object.keys(ref.options).length) {
      const src = manifest ?? { file: '(manifest)', locate: () => ({}) };
      const path = [...ref.path, 'options'];
      throw new InputError({ file: src.file, ...src.locate(path), path: formatPath(path), message: `${loaded.packageName} takes no options` });
    }
    const token = Symbol.for(`naslab.plugin.${kind}.${ref.label}`) as InjectionToken<Promise<PluginInstances[K]>>;
    const definition = loaded.definition;
    this.container.register(token, {
      useFactory: (c: DependencyContainer) =>
        Promise.resolve(definition.create({ options, label: ref.label, resolve: <T>(t: InjectionToken<T>) => c.resolve(t) })),
    });
    const b: BoundPlugin<K> = { loaded, ref, options, token };
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
