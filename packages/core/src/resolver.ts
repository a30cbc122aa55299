/**
 * The one package resolver: finds the package a manifest (or a command) names, imports its
 * plugin definition, checks it was built for this core, and lists installed plugins. Used by
 * studies, `naslab plugins`, `naslab arch` and the engine's backend discovery alike.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve as resolvePath, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import type { PluginKind } from './contracts.js';
import { PLUGIN_KINDS } from './contracts.js';
import { PluginError, type InputProblem } from './errors.js';
import { CORE_VERSION, isPluginDefinition, type PluginDefinition } from './plugin.js';

/** Where a plugin package came from: the registry (node_modules), a workspace link, or a path. */
export type PluginSource = 'installed' | 'workspace' | 'path';

/** A plugin package found on disk and imported. */
export interface LoadedPlugin<K extends PluginKind = PluginKind> {
  readonly kind: K;
  readonly packageName: string;
  readonly version: string;
  readonly dir: string;
  readonly source: PluginSource;
  readonly definition: PluginDefinition<K>;
}

/**
 * The package a manifest id names: a short id maps to `@naslab/<kind>-<id>` (as vitest maps
 * `v8` to `@vitest/coverage-v8`); a path (`./my-plugin`, `../x`, `/abs/x`) is a folder; anything
 * else scoped or containing a slash is a package name.
 */
export function packageNameFor(kind: PluginKind, id: string): string {
  if (isPathId(id) || id.startsWith('@') || id.includes('/') || id.startsWith('naslab-')) return id;
  return `@naslab/${kind}-${id}`;
}

/** `./x`, `../x`, `/x` (and Windows `C:\x`) name a folder, not a package. */
export function isPathId(id: string): boolean {
  return id.startsWith('./') || id.startsWith('../') || id === '.' || id === '..' || isAbsolute(id);
}

/** Find `node_modules/<name>` walking up from each base folder; `searched` lists every place tried. */
export function findPackageDir(name: string, bases: readonly string[]): { dir?: string; searched: string[] } {
  const searched: string[] = [];
  for (const base of bases) {
    let dir = resolvePath(base);
    for (;;) {
      const candidate = join(dir, 'node_modules', name);
      if (!searched.includes(candidate)) {
        searched.push(candidate);
        if (existsSync(join(candidate, 'package.json'))) return { dir: candidate, searched };
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return { searched };
}

/** npm's rule for package names (lower case, URL-safe, one optional scope, at most 214 characters). */
const NPM_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;
/** One segment of a package subpath an `exports` map may declare (`trainer`, `testing`). */
const SUBPATH_SEGMENT = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;

/**
 * Why a plugin id is not acceptable, or undefined. A package id must be an npm package name
 * (scoped or not), optionally followed by a subpath its `exports` declares; nothing in it may
 * walk out of the package (`..`, empty or dot segments), so an id can only ever name a package
 * inside node_modules. Folders are named explicitly, by a path id (`./x`, `../x`, `/x`).
 */
export function pluginIdProblem(id: string): string | undefined {
  if (isPathId(id)) return undefined;
  if (id.length > 214) return `plugin id is ${id.length} characters long; an npm package name has at most 214`;
  if (id.includes('\\') || id.includes('\0')) return `plugin id "${printable(id)}" is not an npm package name`;
  const { name, subpath } = splitPackageId(id);
  if (!NPM_NAME.test(name)) {
    return `plugin id "${printable(id)}" is not an npm package name (lower-case letters, digits, "-", ".", "_", an optional @scope/); name a plugin folder by a path starting with ./, ../ or /`;
  }
  if (subpath !== '.') {
    const segments = subpath.slice(2).split('/');
    if (segments.some((s) => !SUBPATH_SEGMENT.test(s))) {
      return `plugin id "${printable(id)}" has a subpath "${printable(subpath)}" that is not a plain package export ("..", "." and empty segments are refused); name a plugin folder by a path starting with ./, ../ or /`;
    }
  }
  return undefined;
}

/** An id as it may be printed (control characters escaped, long ids cut). */
function printable(id: string): string {
  const shown = JSON.stringify(id.length > 120 ? `${id.slice(0, 117)}...` : id).slice(1, -1);
  return shown;
}

/** `@scope/name/sub` → package `@scope/name`, subpath `./sub`. */
export function splitPackageId(id: string): { name: string; subpath: string } {
  const parts = id.split('/');
  const n = id.startsWith('@') ? 2 : 1;
  const rest = parts.slice(n).join('/');
  return { name: parts.slice(0, n).join('/'), subpath: rest ? `./${rest}` : '.' };
}

/** The file a package's subpath names: only a subpath its `exports` map declares (never a file path into it). */
function entryOf(pkg: Record<string, any>, subpath: string): string | undefined {
  const exported = pkg.exports && typeof pkg.exports === 'object' && !Array.isArray(pkg.exports) && Object.keys(pkg.exports).some((k) => k.startsWith('.'));
  if (subpath !== '.' && !exported) return undefined;
  const dot = typeof pkg.exports === 'string' ? (subpath === '.' ? pkg.exports : undefined) : exported ? pkg.exports[subpath] : pkg.exports?.[subpath];
  if (subpath !== '.' && dot === undefined) return undefined;
  if (typeof dot === 'string') return dot;
  if (dot && typeof dot === 'object') return dot.import ?? dot.default ?? dot.node;
  return pkg.module ?? pkg.main ?? 'index.js';
}

function readPackageJson(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, any>;
}

/** A package linked from outside any node_modules (npm/pnpm/yarn workspaces) is a workspace. */
function sourceOf(dir: string): PluginSource {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return 'installed';
  }
  return real.split(sep).includes('node_modules') ? 'installed' : 'workspace';
}

/**
 * Whether a plugin's package is built for the running core: the range it declares in
 * `peerDependencies['@naslab/core']` (where npm checks it too; `dependencies` for the toolkit's own
 * packages) must admit `CORE_VERSION`.
 * Returns the problem in words, or undefined when compatible.
 */
export function compatibilityProblem(pkg: Record<string, any>, coreVersion: string = CORE_VERSION): string | undefined {
  const name = `${pkg.name ?? '(unnamed package)'}@${pkg.version ?? '0.0.0'}`;
  // A plugin declares it as a peer (one core per process); a package of the toolkit itself (the engine) as a dependency.
  const range: unknown = pkg.peerDependencies?.['@naslab/core'] ?? pkg.dependencies?.['@naslab/core'];
  if (typeof range !== 'string') {
    return `${name} does not say which @naslab/core it is built for: add "peerDependencies": { "@naslab/core": "^${coreVersion}" } to its package.json`;
  }
  if (!semver.validRange(range)) return `${name} declares an invalid peer range for @naslab/core: "${range}"`;
  if (!semver.satisfies(coreVersion, range, { includePrerelease: true })) {
    return `${name} is built for @naslab/core ${range}, but this naslab runs @naslab/core ${coreVersion}; use a version of the plugin built for ^${coreVersion}`;
  }
  return undefined;
}

const cache = new Map<string, LoadedPlugin>();

export interface LoadOptions {
  /** Folders to look for packages from, walking up (and to resolve `./path` ids against: the first). */
  readonly searchFrom: readonly string[];
  /** Where the manifest names it, for error messages. */
  readonly where?: Omit<InputProblem, 'message'>;
  /** The package's folder when it is already known (`discoverPlugins`): no lookup, `id` is its name. */
  readonly packageDir?: string;
  /** Accept a plugin of any kind (listing installed plugins): `kind` is then only the expectation. */
  readonly anyKind?: boolean;
}

/**
 * Load the plugin package a manifest names. Only named packages are imported. Errors say which
 * package was expected, every place it was looked for, and how to install it.
 */
export async function loadPlugin<K extends PluginKind>(kind: K, id: string, options: LoadOptions): Promise<LoadedPlugin<K>> {
  const where = options.where ?? { file: '(manifest)' };
  const fail = (message: string): never => {
    throw new PluginError({ ...where, message });
  };
  const idProblem = options.packageDir ? undefined : pluginIdProblem(id);
  if (idProblem) fail(idProblem);
  let dir: string;
  let subpath = '.';
  let source: PluginSource;
  if (isPathId(id)) {
    dir = resolvePath(options.searchFrom[0] ?? process.cwd(), id);
    if (!existsSync(join(dir, 'package.json'))) {
      fail(`${kind} plugin "${id}" not found: ${dir} has no package.json (a plugin named by a path is a package folder)`);
    }
    source = 'path';
  } else {
    const split = splitPackageId(options.packageDir ? id : packageNameFor(kind, id));
    subpath = split.subpath;
    const found = options.packageDir ? { dir: options.packageDir, searched: [] } : findPackageDir(split.name, options.searchFrom);
    if (!found.dir) {
      const tried = found.searched.length > 6 ? [...found.searched.slice(0, 5), `… ${found.searched.length - 5} more`] : found.searched;
      fail(`${kind} plugin "${id}" not found: package ${split.name} is not installed (looked in ${tried.join(', ')}); install it with \`npm install ${split.name}\``);
    }
    dir = found.dir!;
    source = sourceOf(dir);
  }
  const key = `${options.anyKind ? '*' : kind}:${dir}:${subpath}`;
  const cached = cache.get(key);
  if (cached) return cached as LoadedPlugin<K>;
  const pkg = readPackageJson(dir);
  const name = String(pkg.name ?? id);
  const entry = entryOf(pkg, subpath);
  if (!entry) {
    fail(
      subpath === '.'
        ? `package ${name} has no entry point (exports/main)`
        : `package ${name} does not export "${subpath}" (a plugin id names a package or a subpath its package.json "exports" declares, never a file inside it)`,
    );
  }
  const problem = compatibilityProblem(pkg);
  if (problem) fail(problem);
  let mod: Record<string, unknown> = {};
  const file = join(dir, entry!);
  if (!insideFolder(file, dir)) fail(`package ${name}'s entry point "${entry}" lies outside the package (${dir}); refusing to import it`);
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    const hint = !existsSync(file) ? ` (${file} does not exist: build the package first)` : '';
    fail(`cannot import ${name}@${pkg.version}: ${(e as Error).message}${hint}`);
  }
  const definition = mod.default ?? mod.plugin;
  if (!isPluginDefinition(definition)) {
    fail(`package ${name}@${pkg.version} (${file}) does not export a plugin definition (export default definePlugin({...}))`);
  }
  const def = definition as PluginDefinition;
  if (def.kind !== kind && !options.anyKind) fail(`${name} is a ${def.kind} plugin, but it is named where a ${kind} plugin is expected`);
  const loaded: LoadedPlugin<K> = {
    kind: def.kind as K,
    packageName: isPathId(id) || options.packageDir ? name : packageNameFor(kind, id),
    version: String(pkg.version ?? '0.0.0'),
    dir,
    source,
    definition: def as PluginDefinition<K>,
  };
  cache.set(key, loaded);
  return loaded;
}

/** Whether `file` (symbolic links followed, where it exists) lies inside `dir`. */
function insideFolder(file: string, dir: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolvePath(p);
    }
  };
  const rel = relative(real(dir), real(file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

const digests = new Map<string, string>();

/**
 * Digest of a package's code: every .js/.mjs/.cjs/.json/.node/.wasm file under the folders its
 * package.json `files` lists (all of it without `files`), node_modules and dot folders excluded.
 * Job ids of plugins loaded from a path or a workspace include it, so an edited (and rebuilt)
 * plugin is rerun even though its version did not change.
 */
export function codeDigest(dir: string): string {
  const cached = digests.get(dir);
  if (cached) return cached;
  const pkg = readPackageJson(dir);
  const roots: string[] = Array.isArray(pkg.files) ? pkg.files.map((f: string) => join(dir, f)) : [dir];
  const files: string[] = [join(dir, 'package.json')];
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) if (!e.startsWith('.') && e !== 'node_modules') walk(join(p, e));
    } else if (/\.(m?js|cjs|json|node|wasm)$/.test(p) && !files.includes(p)) files.push(p);
  };
  for (const r of roots) walk(r);
  const h = createHash('sha256');
  for (const f of files) h.update(`${relative(dir, f)}\0`).update(readFileSync(f)).update('\0');
  const digest = h.digest('hex').slice(0, 16);
  digests.set(dir, digest);
  return digest;
}

/** An installed plugin package, known from its package.json alone (nothing imported). */
export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  /** The kind its name (`@naslab/<kind>-…`) or its package.json `naslab.kind` says; undefined: import to know. */
  readonly kind?: PluginKind;
  readonly pkg: Record<string, any>;
}

/** node_modules folders from `start` up to the root. */
function nodeModulesDirs(start: string): string[] {
  const out: string[] = [];
  let dir = resolvePath(start);
  for (;;) {
    const nm = join(dir, 'node_modules');
    if (existsSync(nm)) out.push(nm);
    const parent = dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

const kindPrefix = new RegExp(`^@naslab/(${PLUGIN_KINDS.join('|')})-`);

/**
 * Installed plugin packages seen from `searchFrom`: `@naslab/<kind>-*`, and any package whose
 * package.json has the keyword `naslab-plugin` (how third-party plugins announce themselves).
 * Reads package.json files only; the first package of a name found wins (as Node resolves).
 */
export function discoverPlugins(searchFrom: readonly string[], filter: { kind?: PluginKind } = {}): InstalledPackage[] {
  const seen = new Map<string, InstalledPackage>();
  for (const nm of searchFrom.flatMap(nodeModulesDirs)) {
    const names: string[] = [];
    for (const entry of readdirSync(nm)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        try {
          for (const sub of readdirSync(join(nm, entry))) names.push(`${entry}/${sub}`);
        } catch {
          /* not a folder */
        }
      } else names.push(entry);
    }
    for (const name of names) {
      if (seen.has(name)) continue;
      const dir = join(nm, name);
      let pkg: Record<string, any>;
      try {
        pkg = readPackageJson(dir);
      } catch {
        continue;
      }
      const byName = kindPrefix.exec(name)?.[1] as PluginKind | undefined;
      const declared = PLUGIN_KINDS.find((k) => k === pkg.naslab?.kind);
      const keyword = Array.isArray(pkg.keywords) && pkg.keywords.includes('naslab-plugin');
      if (!byName && !keyword) continue;
      const kind = declared ?? byName;
      if (filter.kind && kind && kind !== filter.kind) continue;
      seen.set(name, { name, version: String(pkg.version ?? '0.0.0'), dir, kind, pkg });
    }
  }
  return [...seen.values()];
}

/** Forget loaded plugins (tests that rebuild a plugin in place). */
export function clearPluginCache(): void {
  cache.clear();
  digests.clear();
}
