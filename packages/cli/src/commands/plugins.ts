import {
  compatibilityProblem,
  CORE_VERSION,
  discoverPlugins,
  instantiatePlugin,
  loadPlugin,
  type Backend,
  type BackendSpeed,
  type PluginDefinition,
} from '@naslab/core';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { formatSpeed } from '../backend-notice.js';
import { cliDir } from '../session.js';

interface PluginsArgs {
  json: boolean;
}

interface Found {
  package: string;
  version: string;
  kind: string;
  id: string;
  /** The range of @naslab/core its package.json declares (peerDependencies). */
  core: string;
  compatible: boolean;
  /** Why it cannot be used here (incompatible, not built, not a plugin). */
  problem?: string;
  description?: string;
  /** Backends only: whether it can run on this machine; when not, why and how to fix it. */
  available?: boolean;
  reason?: string;
  fix?: string;
  /** Backends only: what it runs on (the libtorch found, where). */
  detail?: string;
  /** Backends only: measured training speed relative to PyTorch. */
  speed?: BackendSpeed;
}

/** Every installed plugin package (core's discovery), imported to read its definition. */
async function discover(): Promise<Found[]> {
  const found: Found[] = [];
  for (const pkg of discoverPlugins([process.cwd(), cliDir])) {
    const base = { package: pkg.name, version: pkg.version, core: String(pkg.pkg.peerDependencies?.['@naslab/core'] ?? '(none)') };
    const problem = compatibilityProblem(pkg.pkg);
    if (problem) {
      found.push({ ...base, kind: pkg.kind ?? '?', id: '?', compatible: false, problem });
      continue;
    }
    let def: PluginDefinition;
    try {
      def = (await loadPlugin(pkg.kind ?? 'method', pkg.name, { searchFrom: [], packageDir: pkg.dir, anyKind: true })).definition;
    } catch (e) {
      found.push({ ...base, kind: pkg.kind ?? '?', id: '?', compatible: true, problem: (e as Error).message.replace(/^.*?: /, '') });
      continue;
    }
    const f: Found = { ...base, kind: def.kind, id: def.id, compatible: true, description: def.description };
    if (def.kind === 'backend') Object.assign(f, def.speed ? { speed: def.speed } : {}, await probeBackend(def));
    found.push(f);
  }
  return found.sort((a, b) => a.kind.localeCompare(b.kind) || a.package.localeCompare(b.package));
}

/** A backend's own probe with its default options: what `backend: auto` would see. */
async function probeBackend(def: PluginDefinition): Promise<Pick<Found, 'available' | 'reason' | 'fix' | 'detail'>> {
  try {
    const backend = (await instantiatePlugin(def)) as Backend;
    const p = await backend.probe();
    const detail = p.detail ? { detail: p.detail } : {};
    return p.available ? { available: true, ...detail } : { available: false, reason: p.reason, fix: p.fix, ...detail };
  } catch (e) {
    return { available: false, reason: `probe failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

const command: CommandModule<object, PluginsArgs> = {
  command: 'plugins',
  describe: 'List installed plugins: kind, id, package, version, the core they are built for; whether each backend can run here',
  builder: (y: Argv) => y.option('json', { type: 'boolean', default: false }) as Argv<PluginsArgs>,
  handler: async (args: ArgumentsCamelCase<PluginsArgs>) => {
    const found = await discover();
    if (args.json) {
      process.stdout.write(JSON.stringify(found, null, 2) + '\n');
      return;
    }
    process.stdout.write(`@naslab/core ${CORE_VERSION}\n`);
    for (const f of found) {
      process.stdout.write(
        `${f.kind.padEnd(10)} ${f.id.padEnd(24)} ${`${f.package}@${f.version}`.padEnd(48)} core ${f.core}${f.problem ? `  (${f.compatible ? 'not loadable' : 'incompatible'}: ${f.problem})` : ''}${availability(f)}\n`,
      );
    }
  },
};
function availability(f: Found): string {
  if (f.available === undefined) return '';
  const indent = `\n${' '.repeat(11)}`;
  const more = `${f.detail ? `${indent}found: ${f.detail}` : ''}${f.speed ? `${indent}speed: ${formatSpeed(f.speed)}, measured by ${f.speed.measured}` : ''}`;
  if (f.available) return `  available${more}`;
  return `  unavailable: ${f.reason ?? 'no reason given'}${f.fix ? `${indent}fix: ${f.fix}` : ''}${more}`;
}

export default command;
