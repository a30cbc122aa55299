import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { instantiatePlugin, isPluginDefinition, PLUGIN_API_VERSION, PLUGIN_KINDS, type Backend, type PluginDefinition, type PluginKind } from '@naslab/core';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { cliDir } from '../session.js';

interface PluginsArgs {
  json: boolean;
}

interface Found {
  package: string;
  version: string;
  kind: string;
  id: string;
  apiVersion: string;
  compatible: boolean;
  description?: string;
  /** Backends only: whether it can run on this machine; when not, why and how to fix it. */
  available?: boolean;
  reason?: string;
  fix?: string;
}

/** node_modules folders from `start` up to the root. */
function nodeModulesDirs(start: string): string[] {
  const out: string[] = [];
  let dir = resolve(start);
  for (;;) {
    const nm = join(dir, 'node_modules');
    if (existsSync(nm)) out.push(nm);
    const parent = dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

/**
 * Installed plugin packages: `@naslab/<kind>-*` and any package whose package.json carries the
 * keyword `naslab-plugin` (how third-party plugins announce themselves).
 */
async function discover(): Promise<Found[]> {
  const seen = new Map<string, Found>();
  const definitions = new Map<string, PluginDefinition>();
  const kindPrefix = new RegExp(`^@naslab/(${PLUGIN_KINDS.join('|')})-`);
  for (const nm of [...nodeModulesDirs(process.cwd()), ...nodeModulesDirs(cliDir)]) {
    const names: string[] = [];
    for (const entry of readdirSync(nm)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) for (const sub of readdirSync(join(nm, entry))) names.push(`${entry}/${sub}`);
      else names.push(entry);
    }
    for (const name of names) {
      if (seen.has(name)) continue;
      const pkgFile = join(nm, name, 'package.json');
      if (!existsSync(pkgFile)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, any>;
      const isPlugin = kindPrefix.test(name) || (Array.isArray(pkg.keywords) && pkg.keywords.includes('naslab-plugin'));
      if (!isPlugin) continue;
      const dot = pkg.exports?.['.'];
      const entry = typeof dot === 'string' ? dot : dot?.import ?? dot?.default ?? pkg.main;
      let def: unknown;
      try {
        const mod = (await import(pathToFileURL(join(nm, name, entry ?? 'index.js')).href)) as Record<string, unknown>;
        def = mod.default ?? mod.plugin;
      } catch {
        def = undefined;
      }
      if (!isPluginDefinition(def)) {
        seen.set(name, { package: name, version: pkg.version, kind: '?', id: '?', apiVersion: '?', compatible: false, description: 'not loadable (not built, or no plugin definition)' });
        continue;
      }
      const major = (v: string) => v.split('.')[0];
      definitions.set(name, def);
      seen.set(name, {
        package: name,
        version: pkg.version,
        kind: def.kind as PluginKind,
        id: def.id,
        apiVersion: def.apiVersion,
        compatible: major(def.apiVersion) === major(PLUGIN_API_VERSION),
        description: def.description,
      });
    }
  }
  for (const found of seen.values()) {
    const def = definitions.get(found.package);
    if (found.kind === 'backend' && found.compatible && def) Object.assign(found, await probeBackend(def));
  }
  return [...seen.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.package.localeCompare(b.package));
}

/** A backend's own probe with its default options: what `backend: auto` would see. */
async function probeBackend(def: PluginDefinition): Promise<Pick<Found, 'available' | 'reason' | 'fix'>> {
  try {
    const backend = (await instantiatePlugin(def)) as Backend;
    const p = await backend.probe();
    return p.available ? { available: true } : { available: false, reason: p.reason, fix: p.fix };
  } catch (e) {
    return { available: false, reason: `probe failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

const command: CommandModule<object, PluginsArgs> = {
  command: 'plugins',
  describe: 'List installed plugins: kind, id, package, version, plugin-API version; whether each backend can run here',
  builder: (y: Argv) => y.option('json', { type: 'boolean', default: false }) as Argv<PluginsArgs>,
  handler: async (args: ArgumentsCamelCase<PluginsArgs>) => {
    const found = await discover();
    if (args.json) {
      process.stdout.write(JSON.stringify(found, null, 2) + '\n');
      return;
    }
    process.stdout.write(`plugin API ${PLUGIN_API_VERSION}\n`);
    for (const f of found) {
      process.stdout.write(
        `${f.kind.padEnd(10)} ${f.id.padEnd(24)} ${`${f.package}@${f.version}`.padEnd(48)} api ${f.apiVersion}${f.compatible ? '' : ' (incompatible)'}${availability(f)}\n`,
      );
    }
  },
};
function availability(f: Found): string {
  if (f.available === undefined) return '';
  if (f.available) return '  available';
  return `  unavailable: ${f.reason ?? 'no reason given'}${f.fix ? `\n${' '.repeat(11)}fix: ${f.fix}` : ''}`;
}

export default command;
